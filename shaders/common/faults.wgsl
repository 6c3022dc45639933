// Fault reporting into the counters, which the host checks after every batch.
// Stages that include this file declare `counters`. Twin: src/cpu/fixed_point.rs.
fn report_saturation(step: u32, target_index: u32) {
    atomicAdd(&counters.saturation_count, 1u);
    atomicMin(&counters.saturation_first_step, step);
    atomicMin(&counters.saturation_min_target, target_index);
}
