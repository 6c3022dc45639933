// Delivery of one synaptic event: its fixed-point weight added with an integer atomic
// (so the sum does not depend on the order of arrival) into the ring slot `delay`
// steps after `step`, an overflow reported, never wrapped silently. Stages that
// include this file declare `config`, `counters` and `spikes`, and include the ring's
// generated `ring_add` (src/gpu/ring.rs).
// Twin: src/cpu/delivery.rs.

// The k-th spike of the step being propagated as (instance, neuron within the
// instance, step). Stages that include this file also declare `spikes`.
fn propagated_spike(k: u32) -> vec3<u32> {
    let gid = spikes[k];
    let instance = gid / config.n_neurons;
    return vec3<u32>(instance, gid - instance * config.n_neurons, atomicLoad(&counters.prop_step));
}

// `in_slot` is receptor · n_neurons + neuron: the event's offset within one slot.
fn deliver_to_ring(instance: u32, step: u32, delay: u32, in_slot: u32, w: i32) {
    let slot_stride = config.n_receptors * config.n_neurons;
    let slot = (step + delay) % config.ring_depth;
    let index = (slot * config.n_instances + instance) * slot_stride + in_slot;
    let before = ring_add(index, w);
    if (overflowed(before, w, before + w)) {
        report_saturation(step + delay, index % (config.n_instances * slot_stride));
    }
}
