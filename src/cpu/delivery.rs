//! Delivery of one synaptic event into the input ring, the twin of
//! `shaders/common/delivery.wgsl`.

use super::buffers::Buffers;
use super::fixed_point::{overflowed, report_saturation};

/// The `k`-th spike of the step being propagated as (instance, neuron within the
/// instance, step); the shader's `propagated_spike`.
pub fn propagated_spike(b: &Buffers, k: u32) -> (u32, u32, u32) {
    let gid = b.spikes[k as usize];
    let instance = gid / b.config.n_neurons;
    (
        instance,
        gid - instance * b.config.n_neurons,
        b.counters.prop_step,
    )
}

/// Adds `w` for `in_slot` (receptor · n_neurons + neuron) of `instance` into the ring
/// slot `delay` steps after `step`, reporting an overflow.
pub fn deliver_to_ring(
    b: &mut Buffers,
    instance: u32,
    step: u32,
    delay: u32,
    in_slot: u32,
    w: i32,
) {
    let c = b.config;
    let slot_stride = c.n_receptors * c.n_neurons;
    let slot = (step + delay) % c.ring_depth;
    let index = (slot * c.n_instances + instance) * slot_stride + in_slot;
    let before = b.ring[index as usize];
    b.ring[index as usize] = before.wrapping_add(w);
    if overflowed(before, w, before.wrapping_add(w)) {
        report_saturation(
            &mut b.counters,
            step + delay,
            index % (c.n_instances * slot_stride),
        );
    }
}
