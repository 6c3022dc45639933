//! Building stored rows on the device, second pass: the twin of
//! `shaders/build_fill.wgsl`. Each (row, part) draws its synapses again and writes
//! them from where the host placed the part; here the table is one chunk.

use super::buffers::Buffers;
use super::procedural_row::built_part;
use crate::plan::layout::{BuildPass, PROPAGATE_WORKGROUP};
use crate::plan::SynapseTable;

/// Invocation `part` of workgroup `k`: part `part` of row `build.first_row + k`
/// written into `table`'s chunk `build.first .. build.end`.
pub fn build_fill_main(
    k: u32,
    part: u32,
    build: &BuildPass,
    b: &Buffers,
    part_starts: &[u32],
    table: &mut SynapseTable,
) {
    if k >= build.rows {
        return;
    }
    let row = build.first_row + k;
    let start = part_starts[((row - build.batch_first) * PROPAGATE_WORKGROUP + part) as usize];
    let synapses = built_part(&b.config, &b.procedural, &b.row_lengths, (row, part));
    for (at, s) in (start..).zip(synapses) {
        if at >= build.first && at < build.end {
            let i = (at - build.first) as usize;
            table.target_delay[i] = s.target | (s.delay << build.delay_shift);
            table.weight[i] = s.weight;
        }
    }
}
