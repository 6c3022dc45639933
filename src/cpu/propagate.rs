//! Spike propagation, the twin of `shaders/propagate.wgsl`. The shader's invocations
//! of a workgroup stride along the row, and where the synapse arrays are split into
//! chunks each chunk's dispatch walks its part of the row; here one call walks the
//! whole row, which adds the same integers into the same ring entries (integer sums
//! do not depend on order).

use super::buffers::Buffers;
use super::delivery::{deliver_to_ring, propagated_spike, ring_slot};
use crate::plan::SynapseTable;

/// The stored table a propagate dispatch walks (the shader's bindings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Drawn on the host (`Plan::synapses`).
    Stored,
    /// Built on the device (`Plan::built`).
    Built,
}

/// One workgroup: the row of the `k`-th neuron that spiked in `table`.
pub fn propagate_main(k: u32, b: &mut Buffers, table: Table) {
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
    // Taken out for the walk, as delivery borrows the buffers.
    let taken = match table {
        Table::Stored => &mut b.stored,
        Table::Built => &mut b.built,
    };
    let t: SynapseTable = std::mem::take(taken);
    let step_slot = ring_slot(b, step);
    let target_mask = (1u32 << t.delay_shift) - 1;
    for s in t.row_start[row] as usize..t.row_start[row + 1] as usize {
        let word = t.target_delay[s];
        deliver_to_ring(
            b,
            instance,
            step,
            step_slot,
            word >> t.delay_shift,
            word & target_mask,
            t.weight[s],
        );
    }
    match table {
        Table::Stored => b.stored = t,
        Table::Built => b.built = t,
    }
}
