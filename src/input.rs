//! What the host streams in while the simulation runs: spike events
//! (`crate::events::EventQueue`) and dense input currents (`CurrentQueue`), handed to
//! the device one table each per batch, written before the batch is submitted.

use std::collections::BTreeMap;

use crate::events::EventQueue;

/// Input currents per step for the current streams' rows (their neurons of every
/// instance), queued until the batch that contains their step.
#[derive(Debug, Clone, Default)]
pub struct CurrentQueue {
    rows: u32,
    /// Steps one table holds.
    table_steps: u32,
    /// By step, (first row, values) as pushed; values of the same row and step add.
    pending: BTreeMap<u64, Vec<(u32, Vec<f32>)>>,
}

impl CurrentQueue {
    pub fn new(rows: u32, table_steps: u32) -> Self {
        Self {
            rows,
            table_steps,
            pending: BTreeMap::new(),
        }
    }

    /// Queues `values` (nA) for rows `first_row ..` in `step`.
    pub fn push(&mut self, step: u64, first_row: u32, values: Vec<f32>) {
        debug_assert!(first_row as usize + values.len() <= self.rows as usize);
        self.pending
            .entry(step)
            .or_default()
            .push((first_row, values));
    }

    /// Steps with queued currents.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The table of steps `first .. first + len` (at most `table_steps`), whose
    /// currents leave the queue: the first step (two words, low then high), the number
    /// of rows, then per step a value per row (f32 bits; 0 where nothing was pushed).
    /// Empty where there are no current streams.
    pub fn take_table(&mut self, first: u64, len: u32) -> Vec<u32> {
        if self.rows == 0 {
            return Vec::new();
        }
        debug_assert!(len <= self.table_steps);
        let later = self.pending.split_off(&(first + u64::from(len)));
        let batch = std::mem::replace(&mut self.pending, later);
        let rows = self.rows as usize;
        let mut values = vec![0f32; rows * len as usize];
        for (&step, pushes) in &batch {
            let at = (step - first) as usize * rows;
            for (row, pushed) in pushes {
                let start = at + *row as usize;
                for (slot, v) in values[start..start + pushed.len()].iter_mut().zip(pushed) {
                    *slot += v;
                }
            }
        }
        let mut table = vec![first as u32, (first >> 32) as u32, self.rows];
        table.extend(values.into_iter().map(f32::to_bits));
        table
    }

    /// The queue as words for checkpoints: per push, the step (two words), the first
    /// row, the count, then the values' bits.
    pub fn to_words(&self) -> Vec<u32> {
        let mut words = Vec::new();
        for (&step, pushes) in &self.pending {
            for (row, values) in pushes {
                words.extend([step as u32, (step >> 32) as u32, *row, values.len() as u32]);
                words.extend(values.iter().map(|v| v.to_bits()));
            }
        }
        words
    }

    /// Replaces the queue with `words` (`to_words`' form); `None` if they do not fit
    /// this queue's rows.
    pub fn replace_with_words(&mut self, mut words: &[u32]) -> Option<()> {
        let mut pending: BTreeMap<u64, Vec<(u32, Vec<f32>)>> = BTreeMap::new();
        while !words.is_empty() {
            let [lo, hi, row, count] = *words.first_chunk::<4>()?;
            let values = words.get(4..4 + count as usize)?;
            if u64::from(row) + u64::from(count) > u64::from(self.rows) {
                return None;
            }
            pending
                .entry(u64::from(lo) | u64::from(hi) << 32)
                .or_default()
                .push((row, values.iter().map(|&w| f32::from_bits(w)).collect()));
            words = &words[4 + count as usize..];
        }
        self.pending = pending;
        Some(())
    }
}

/// Everything streamed in, as the engines take it batch by batch.
#[derive(Debug, Clone, Default)]
pub struct StreamedInput {
    pub events: EventQueue,
    pub currents: CurrentQueue,
}

impl StreamedInput {
    /// The most steps from `first`, at most `max`, that one batch can take: its events
    /// fit one table and its currents one current table.
    pub fn fit(&self, first: u64, max: u32) -> u32 {
        let max = if self.currents.rows > 0 {
            max.min(self.currents.table_steps)
        } else {
            max
        };
        self.events.fit(first, max)
    }

    /// The event and current tables of steps `first .. first + len`.
    pub fn take_tables(&mut self, first: u64, len: u32) -> (Vec<u32>, Vec<u32>) {
        (
            self.events.take_table(first, len),
            self.currents.take_table(first, len),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_current_table_adds_pushes_and_zeroes_the_rest() {
        let mut queue = CurrentQueue::new(3, 4);
        queue.push(11, 1, vec![0.5, 0.25]);
        queue.push(11, 2, vec![1.0]);
        queue.push(13, 0, vec![2.0]);
        queue.push(20, 0, vec![9.0]);
        let words = queue.to_words();
        let table = queue.take_table(10, 4);
        let values: Vec<f32> = table[3..].iter().map(|&w| f32::from_bits(w)).collect();
        assert_eq!(&table[..3], &[10, 0, 3]);
        assert_eq!(
            values,
            vec![0.0, 0.0, 0.0, 0.0, 0.5, 1.25, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0]
        );
        assert_eq!(queue.len(), 1);
        let mut restored = CurrentQueue::new(3, 4);
        restored.replace_with_words(&words).unwrap();
        assert_eq!(restored.take_table(10, 4), table);
        assert!(CurrentQueue::new(2, 4).replace_with_words(&words).is_none());
    }
}
