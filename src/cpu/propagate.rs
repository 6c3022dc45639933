//! Spike propagation, the twin of `shaders/propagate.wgsl`. The shader's invocations
//! of a workgroup stride along the row, and where the synapse arrays are split into
//! chunks each chunk's dispatch walks its part of the row; here one call walks the
//! whole row, which adds the same integers into the same ring entries (integer sums
//! do not depend on order).

use super::buffers::Buffers;
use super::delivery::{deliver_to_ring, propagated_spike, ring_slot};

/// One workgroup: the row of the `k`-th neuron that spiked.
pub fn propagate_main(k: u32, b: &mut Buffers) {
    if k >= b.counters.prop_count {
        return;
    }
    let (instance, pre, step) = propagated_spike(b, k);
    let own = if b.config.stored_per_instance != 0 {
        instance
    } else {
        0
    };
    let row = (pre + own * b.config.n_neurons) as usize;
    let row_end = b.row_start[row + 1];
    let step_slot = ring_slot(b, step);
    let target_mask = (1u32 << b.delay_shift) - 1;
    for s in b.row_start[row]..row_end {
        let s = s as usize;
        let word = b.syn_target_delay[s];
        let w = b.syn_weight[s];
        deliver_to_ring(
            b,
            instance,
            step,
            step_slot,
            word >> b.delay_shift,
            word & target_mask,
            w,
        );
    }
}
