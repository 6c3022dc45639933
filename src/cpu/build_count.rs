//! Building stored rows on the device, first pass: the twin of
//! `shaders/build_count.wgsl`. Each (row, part) counts the synapses the part of every
//! projection built on the device has: by walking it for fixed probability, without
//! drawing where the rule fixes the count.

use super::buffers::Buffers;
use super::procedural_row::{built_projections, fixed_part_len, RowPart};
use super::rng::key_from_seed;
use crate::plan::layout::{BuildPass, PROPAGATE_WORKGROUP};

/// Invocation `part` of workgroup `k`: the count of part `part` of row
/// `build.first_row + k`, into `part_counts`.
pub fn build_count_main(
    k: u32,
    part: u32,
    build: &BuildPass,
    b: &Buffers,
    part_counts: &mut [u32],
) {
    if k >= build.rows {
        return;
    }
    let row = build.first_row + k;
    let key = key_from_seed(u64::from(b.config.seed_lo) | (u64::from(b.config.seed_hi) << 32));
    let (instance, pre) = (row / b.config.n_neurons, row % b.config.n_neurons);
    let mut count = 0;
    for q in built_projections(&b.config, &b.procedural, pre) {
        let at = (instance, pre, part);
        count += fixed_part_len(q, &b.row_lengths, at).unwrap_or_else(|| {
            RowPart::new(q, (key, b.config.first_instance), &b.row_lengths, at).count() as u32
        });
    }
    part_counts[((row - build.batch_first) * PROPAGATE_WORKGROUP + part) as usize] = count;
}
