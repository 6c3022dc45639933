//! Spike propagation through procedural projections, the twin of
//! `shaders/propagate_procedural.wgsl`: the shader's invocations each regenerate one
//! part of the row; here one call regenerates the parts in turn, drawing the same
//! synapses and adding the same integers.

use super::buffers::Buffers;
use super::delivery::{deliver_to_ring, propagated_spike, ring_slot};
use super::procedural_row::{has_row, RowPart};
use super::rng::key_from_seed;
use crate::plan::layout::PROPAGATE_WORKGROUP;

/// One workgroup: the rows of the `k`-th neuron that spiked, every part in turn.
pub fn propagate_procedural_main(k: u32, b: &mut Buffers) {
    if k >= b.counters.prop_count {
        return;
    }
    let c = b.config;
    let key = key_from_seed(u64::from(c.seed_lo) | (u64::from(c.seed_hi) << 32));
    let (instance, pre, step) = propagated_spike(b, k);
    let step_slot = ring_slot(b, step);
    // Taken out for the walk, as delivery borrows the buffers.
    let row_lengths = std::mem::take(&mut b.row_lengths);
    for j in 0..c.n_procedural as usize {
        let q = b.procedural[j];
        if q.built != 0 || !has_row(&q, pre) {
            continue;
        }
        for part in 0..PROPAGATE_WORKGROUP {
            let row = RowPart::new(
                &q,
                (key, c.first_instance),
                &row_lengths,
                (instance, pre, part),
            );
            for s in row {
                deliver_to_ring(b, instance, step, step_slot, s.delay, s.target, s.weight);
            }
        }
    }
    b.row_lengths = row_lengths;
}
