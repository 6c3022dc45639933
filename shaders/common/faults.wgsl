// Fault reporting into the counters, which the host checks after every batch.
// Stages that include this file declare `counters`. Twin: src/cpu/fixed_point.rs.
fn report_saturation(step: u32, target_index: u32) {
    atomicAdd(&counters.saturation_count, 1u);
    atomicMin(&counters.saturation_first_step, step);
    atomicMin(&counters.saturation_min_target, target_index);
}

// A neuron update that left a state variable NaN or infinite (exponent bits all ones:
// a test on the bits, which no fast-math assumption can remove).
fn is_nonfinite(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7F800000u) == 0x7F800000u;
}

// `count` updates of `neuron`, the first at `step`, left a state non-finite.
fn report_nonfinite(step: u32, neuron: u32, count: u32) {
    atomicAdd(&counters.nonfinite_count, count);
    atomicMin(&counters.nonfinite_first_step, step);
    atomicMin(&counters.nonfinite_min_neuron, neuron);
}
