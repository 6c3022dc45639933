//! Projections built on the device (`Projection::built_on_device`): the build
//! kernels (`shaders/build_count.wgsl`, `shaders/build_fill.wgsl`, twins in
//! `src/cpu/`) draw their rows from the procedural generator into a stored table of
//! their own, which propagate walks like the host-drawn one. The plan knows the
//! table's rows, its delay packing and its expected size; the exact size comes from
//! build_count, whose part counts both engines turn into part starts with
//! `place_parts`.

use super::PlanError;

/// Rows one build dispatch covers at most, so the part counts of a batch (256 bytes
/// a row) take 16 MiB whatever the network (the GPU engine takes fewer where a
/// storage binding holds less).
pub const BUILD_BATCH_ROWS: u32 = 65_536;

/// The table of the projections built on the device, before it is built.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuiltPlan {
    /// Rows (row = instance · n_neurons + presynaptic neuron: one set of n_neurons
    /// rows, or one per instance where stored rows are per instance); 0 without
    /// projections built on the device.
    pub rows: u32,
    /// `SynapseTable::delay_shift` for the built projections' longest delay.
    pub delay_shift: u32,
    /// Synapses expected (exact for all-to-all and fixed total number).
    pub expected_synapses: f64,
}

impl BuiltPlan {
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The build batches of at most `max_rows` rows (`max_rows` at least 1): (first
    /// row, rows). Where the parts are placed does not depend on the batches.
    pub fn batches(&self, max_rows: u32) -> impl Iterator<Item = (u32, u32)> {
        let rows = self.rows;
        let batch = max_rows.max(1);
        (0..rows.div_ceil(batch)).map(move |k| {
            let first = k * batch;
            (first, batch.min(rows - first))
        })
    }
}

/// Turns the part counts of a batch of rows (`PROPAGATE_WORKGROUP` parts a row, in
/// row order) into where each part starts, in place, counting on from `next` (the
/// synapses of the rows before), and appends each row's start to `row_start`.
/// Returns the synapses up to the batch's end; more than a table can index (row
/// starts are 32-bit) is refused.
pub fn place_parts(
    counts: &mut [u32],
    next: u64,
    row_start: &mut Vec<u32>,
) -> Result<u64, PlanError> {
    let parts = super::layout::PROPAGATE_WORKGROUP as usize;
    let mut at = next;
    for (k, count) in counts.iter_mut().enumerate() {
        let start = u32::try_from(at).map_err(|_| too_many(at))?;
        if k % parts == 0 {
            row_start.push(start);
        }
        at += u64::from(*count);
        *count = start;
    }
    // (u32::MAX itself is the device's mark of a walk cut short: `gpu::build`.)
    if at >= u64::from(u32::MAX) {
        return Err(too_many(at));
    }
    Ok(at)
}

fn too_many(count: u64) -> PlanError {
    PlanError::TooMany {
        what: "synapses built on the device",
        count,
        limit: u64::from(u32::MAX) - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::layout::PROPAGATE_WORKGROUP;

    #[test]
    fn parts_start_where_the_parts_before_end() {
        let parts = PROPAGATE_WORKGROUP as usize;
        let mut counts = vec![0u32; 2 * parts];
        counts[0] = 3;
        counts[parts - 1] = 2;
        counts[parts + 1] = 7;
        let mut row_start = vec![0];
        let end = place_parts(&mut counts, 10, &mut row_start).unwrap();
        assert_eq!(end, 22);
        assert_eq!(row_start, [0, 10, 15]);
        assert_eq!(&counts[..2], &[10, 13]);
        assert_eq!(counts[parts - 1], 13);
        assert_eq!(&counts[parts..parts + 3], &[15, 15, 22]);
    }

    #[test]
    fn a_table_beyond_32_bit_indices_is_refused() {
        let mut counts = vec![u32::MAX, 1];
        assert!(matches!(
            place_parts(&mut counts, 0, &mut Vec::new()),
            Err(PlanError::TooMany { count, .. }) if count == u64::from(u32::MAX) + 1
        ));
    }

    #[test]
    fn batches_cover_every_row_once() {
        let plan = BuiltPlan {
            rows: 2 * BUILD_BATCH_ROWS + 5,
            ..Default::default()
        };
        let batches: Vec<_> = plan.batches(BUILD_BATCH_ROWS).collect();
        assert_eq!(
            batches,
            [
                (0, BUILD_BATCH_ROWS),
                (BUILD_BATCH_ROWS, BUILD_BATCH_ROWS),
                (2 * BUILD_BATCH_ROWS, 5)
            ]
        );
    }
}
