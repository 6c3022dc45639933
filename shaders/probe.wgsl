// Samples chosen state variables at the end of a step into the batch's probe buffer.
// Dispatched only on steps where some probe group samples. Twin: src/cpu/probe.rs.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
@group(0) @binding(2) var<storage, read> probes: array<ProbeEntry>;
@group(0) @binding(3) var<storage, read> state: array<f32>;
@group(0) @binding(4) var<storage, read_write> probe_out: array<f32>;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let j = (wg.y * groups.x + wg.x) * NEURON_WORKGROUP + local;
    if (j >= config.n_probes) {
        return;
    }
    let e = probes[j];
    let step = atomicLoad(&counters.prop_step);
    if (step % e.every != 0u) {
        return;
    }
    // Samples of this group taken earlier in the batch (propagate_prepare has counted
    // this step among the batch's).
    let first_step = step + 1u - counters.batch_step;
    let sample = step / e.every - (first_step + e.every - 1u) / e.every;
    probe_out[e.group_base + sample * e.group_size + e.local] = state[e.state_index];
}
