// Delivery of one synaptic event: its fixed-point weight added with an integer atomic
// (so the sum does not depend on the order of arrival) into the ring slot `delay`
// steps after `step`, an overflow reported, never wrapped silently. Stages that
// include this file declare `config`, `counters` and `spikes`, and include the ring's
// generated `ring_add` (src/gpu/ring.rs) and common/faults.wgsl (`note_saturation`).
// Twin: src/cpu/delivery.rs.

// The k-th spike of the window being propagated as (instance, neuron within the
// instance, step), the window's spikes numbered step by step: the list holds step
// j's spikes from j · n_neurons · n_instances on, each as `gid + j · n_neurons ·
// n_instances` (src/plan/window.rs). Stages that include this file also declare
// `spikes`.
fn propagated_spike(k: u32) -> vec3<u32> {
    // The step whose numbers hold k (k is below the last end, prop_count).
    var j = 0u;
    var start = 0u;
    loop {
        let end = counters.prop_ends[j];
        if (k < end) {
            break;
        }
        start = end;
        j = j + 1u;
    }
    let entry = spikes[j * config.n_neurons * config.n_instances + k - start];
    let offset = entry / (config.n_neurons * config.n_instances);
    let gid = entry - offset * config.n_neurons * config.n_instances;
    let instance = gid / config.n_neurons;
    return vec3<u32>(instance, gid - instance * config.n_neurons, atomicLoad(&counters.prop_step) + offset);
}

// The ring slot of `step`, computed once per spike: a division per event costs a
// scalar loop on SIMD CPUs.
fn ring_slot(step: u32) -> u32 {
    return step % config.ring_depth;
}

// `step_slot` is ring_slot(step), `delay` below the ring depth, and `in_slot` is
// receptor · n_neurons + neuron: the event's offset within one instance's slot.
fn deliver_to_ring(instance: u32, step: u32, step_slot: u32, delay: u32, in_slot: u32, w: i32) {
    let slot_stride = config.n_receptors * config.n_neurons;
    var slot = step_slot + delay;
    if (slot >= config.ring_depth) {
        slot = slot - config.ring_depth;
    }
    let target_index = instance * slot_stride + in_slot;
    let before = ring_add(slot * config.n_instances * slot_stride + target_index, w);
    if (overflowed(before, w, before + w)) {
        note_saturation(step + delay, target_index);
    }
}
