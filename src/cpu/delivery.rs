//! Delivery of one synaptic event into the input ring, the twin of
//! `shaders/common/delivery.wgsl`.

use super::buffers::Buffers;
use super::fixed_point::{overflowed, report_saturation};

/// The `k`-th spike of the window being propagated as (instance, neuron within the
/// instance, step), the window's spikes numbered step by step: found in step j's part
/// of the list (from `j · block` on) and decoded from its entry `gid + j · block`;
/// the shader's `propagated_spike`.
pub fn propagated_spike(b: &Buffers, k: u32) -> (u32, u32, u32) {
    let block = b.config.n_neurons * b.config.n_instances;
    let mut j = 0;
    let mut start = 0;
    loop {
        let end = b.counters.prop_ends[j as usize];
        if k < end {
            break;
        }
        start = end;
        j += 1;
    }
    let entry = b.spikes[(j * block + k - start) as usize];
    let offset = entry / block;
    let gid = entry - offset * block;
    let instance = gid / b.config.n_neurons;
    (
        instance,
        gid - instance * b.config.n_neurons,
        b.counters.prop_step + offset,
    )
}

/// The ring slot of `step` (the shader computes it once per spike).
pub fn ring_slot(b: &Buffers, step: u32) -> u32 {
    step % b.config.ring_depth
}

/// Adds `w` for `in_slot` (receptor · n_neurons + neuron) of `instance` into the ring
/// slot `delay` (below the ring depth) steps after `step`, whose slot is `step_slot`,
/// reporting an overflow. The shader collects an invocation's overflows and reports
/// them at its end; the counters' sums and minima come out the same.
pub fn deliver_to_ring(
    b: &mut Buffers,
    instance: u32,
    step: u32,
    step_slot: u32,
    delay: u32,
    in_slot: u32,
    w: i32,
) {
    let c = b.config;
    let slot_stride = c.n_receptors * c.n_neurons;
    let mut slot = step_slot + delay;
    if slot >= c.ring_depth {
        slot -= c.ring_depth;
    }
    let target_index = instance * slot_stride + in_slot;
    let index = slot * c.n_instances * slot_stride + target_index;
    let before = b.ring[index as usize];
    b.ring[index as usize] = before.wrapping_add(w);
    if overflowed(before, w, before.wrapping_add(w)) {
        report_saturation(&mut b.counters, step + delay, target_index);
    }
}
