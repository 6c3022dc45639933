//! Building stored rows on the device, first pass: the twin of
//! `shaders/build_count.wgsl`. Each (row, part) counts the synapses the part of every
//! projection built on the device has.

use super::buffers::Buffers;
use super::procedural_row::built_part;
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
    let count = built_part(&b.config, &b.procedural, &b.row_lengths, (row, part)).count() as u32;
    part_counts[((row - build.batch_first) * PROPAGATE_WORKGROUP + part) as usize] = count;
}
