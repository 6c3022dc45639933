//! Spike events the host streams into `spike_source_stream` populations: queued by
//! step until the batch that contains them is run, then laid out as the table the
//! neuron kernel reads (`shaders/neurons/spike_source_stream.wgsl`), one table per
//! batch. Both backends take their tables from here, so they see the same events.

use std::collections::{BTreeMap, BTreeSet};

/// Events waiting for their batch.
#[derive(Debug, Clone, Default)]
pub struct EventQueue {
    /// Rows of the table: the stream neurons of every instance.
    rows: u32,
    /// Events one table holds (at least `rows`, so one step always fits).
    capacity: u64,
    /// By step, the rows that spike in it (several events of a row in one step are
    /// one spike).
    pending: BTreeMap<u64, BTreeSet<u32>>,
}

impl EventQueue {
    pub fn new(rows: u32, capacity: u64) -> Self {
        debug_assert!(capacity >= u64::from(rows));
        Self {
            rows,
            capacity,
            pending: BTreeMap::new(),
        }
    }

    /// Queues a spike of table row `row` in `step`.
    pub fn push(&mut self, step: u64, row: u32) {
        debug_assert!(row < self.rows);
        self.pending.entry(step).or_default().insert(row);
    }

    /// Events queued.
    pub fn len(&self) -> usize {
        self.pending.values().map(BTreeSet::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The queued events as (step low, step high, row) words, for checkpoints.
    pub fn to_words(&self) -> Vec<u32> {
        self.pending
            .iter()
            .flat_map(|(&step, rows)| {
                rows.iter()
                    .flat_map(move |&row| [step as u32, (step >> 32) as u32, row])
            })
            .collect()
    }

    /// Replaces the queue with `words` (`to_words`' form); `None` if they are not
    /// whole events of this queue's rows.
    pub fn replace_with_words(&mut self, words: &[u32]) -> Option<()> {
        let chunks = words.chunks_exact(3);
        if !chunks.remainder().is_empty() {
            return None;
        }
        let mut pending: BTreeMap<u64, BTreeSet<u32>> = BTreeMap::new();
        for w in chunks {
            if w[2] >= self.rows {
                return None;
            }
            pending
                .entry(u64::from(w[0]) | u64::from(w[1]) << 32)
                .or_default()
                .insert(w[2]);
        }
        self.pending = pending;
        Some(())
    }

    /// The most steps from `first`, at most `max`, whose events fit one table: at
    /// least one, since a step has at most one event per row.
    pub fn fit(&self, first: u64, max: u32) -> u32 {
        let mut total = 0u64;
        for (&step, rows) in self.pending.range(first..first + u64::from(max)) {
            total += rows.len() as u64;
            if total > self.capacity {
                return ((step - first) as u32).max(1);
            }
        }
        max
    }

    /// The table of steps `first .. first + len`, whose events leave the queue: the
    /// number of rows R, R + 1 row starts, then each row's steps in increasing order.
    /// Empty where there are no stream rows (the kernel has no table to read).
    pub fn take_table(&mut self, first: u64, len: u32) -> Vec<u32> {
        if self.rows == 0 {
            return Vec::new();
        }
        let later = self.pending.split_off(&(first + u64::from(len)));
        let batch = std::mem::replace(&mut self.pending, later);
        debug_assert!(batch.keys().all(|&step| step >= first));
        let rows = self.rows as usize;
        let mut starts = vec![0u32; rows + 1];
        for spiking in batch.values() {
            for &row in spiking {
                starts[row as usize + 1] += 1;
            }
        }
        for r in 0..rows {
            starts[r + 1] += starts[r];
        }
        let base = rows + 2;
        let mut table = vec![0u32; base + starts[rows] as usize];
        table[0] = self.rows;
        table[1..base].copy_from_slice(&starts);
        for (&step, spiking) in &batch {
            for &row in spiking {
                let at = &mut starts[row as usize];
                table[base + *at as usize] = step as u32;
                *at += 1;
            }
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_lists_each_rows_steps_in_order_and_batches_fit() {
        let mut queue = EventQueue::new(3, 4);
        for (step, row) in [(5, 2), (3, 2), (3, 0), (3, 0), (9, 1), (12, 0)] {
            queue.push(step, row);
        }
        assert_eq!(queue.len(), 5);
        // Steps 3 (2 events), 5 (1), 9 (1) fit four; step 12 would make five.
        assert_eq!(queue.fit(0, 20), 12);
        assert_eq!(queue.fit(4, 20), 20);
        let table = queue.take_table(0, 10);
        assert_eq!(table, vec![3, 0, 1, 2, 4, 3, 9, 3, 5]);
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.take_table(10, 5), vec![3, 0, 1, 1, 1, 12]);
        assert!(queue.is_empty());
    }
}
