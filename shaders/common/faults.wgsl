// Fault reporting into the counters, which the host checks after every batch.
// Stages that include this file declare `counters`. Twin: src/cpu/fixed_point.rs.
//
// Saturations found by this invocation are noted as they happen and reported once by
// `report_saturations` at the end of its stage: reporting each at once would put three
// atomics in a loop over a row or a window, and drivers that run untaken branches
// under a mask (lavapipe) pay for them on every pass. Counts add and minima commute,
// so the counters end as if each had been reported at once (as the twin does).
var<private> saturated_count: u32 = 0u;
var<private> saturated_step: u32 = NEVER;
var<private> saturated_target: u32 = NEVER;

fn note_saturation(step: u32, target_index: u32) {
    saturated_count = saturated_count + 1u;
    saturated_step = min(saturated_step, step);
    saturated_target = min(saturated_target, target_index);
}

fn report_saturations() {
    if (saturated_count > 0u) {
        atomicAdd(&counters.saturation_count, saturated_count);
        atomicMin(&counters.saturation_first_step, saturated_step);
        atomicMin(&counters.saturation_min_target, saturated_target);
    }
}

// Stages whose loops a driver may cut short (`plan::layout::STAGE_NAMES`).
const STAGE_NEURON_UPDATE: u32 = 0u;
const STAGE_PROPAGATE: u32 = 1u;
const STAGE_PROPAGATE_PROCEDURAL: u32 = 2u;
const STAGE_PROPAGATE_PLASTIC: u32 = 3u;
const STAGE_PLASTIC_POST: u32 = 4u;
const STAGE_PROPAGATE_PREPARE: u32 = 5u;
const STAGE_PLASTIC_SWEEP: u32 = 6u;
const STAGE_GAP_COUPLING: u32 = 7u;

// Called after a stage's loops: a stage the driver cut short reports itself
// (loop_limit.wgsl). The CPU twin has no such limit and nothing to report.
fn check_loop_limit(stage: u32) {
    if (loop_limit_spent(2u + (counters.batch_step & 1u))) {
        atomicAdd(&counters.loop_cut_count, 1u);
        atomicMin(&counters.loop_cut_stage, stage);
    }
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

// Custom rule `index`'s update at `step` left a weight or variable NaN or infinite.
fn report_rule_nonfinite(step: u32, index: u32) {
    atomicAdd(&counters.rule_nonfinite_count, 1u);
    atomicMin(&counters.rule_nonfinite_first_step, step);
    atomicMin(&counters.rule_nonfinite_min_rule, index);
}
