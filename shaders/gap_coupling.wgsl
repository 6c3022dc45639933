// Direct coupling between membranes: before the step's neuron updates, one invocation
// per (instance, neuron) forms the current of its gap junctions, Σ g (v_j − v_i), then
// adds that of its graded synapses, Σ g s∞(v_pre) (e_rev − v_i) with
// s∞(v) = 1 / (1 + e^(−(v − v_th) / delta)), each in their fixed order, from the
// potentials at the start of the step (mV: the stored value plus its offset), and
// leaves it for the neuron update as an input current (nA; g in µS). The sigmoid uses
// the deterministic e^x and 1/x of common/math.wgsl. Every invocation writes only its
// own entry, and only a neuron that is fed (the others' entries stay 0 from
// allocation). A neuron's entries are walked in one loop, which lavapipe before Mesa 25
// may cut short (a hub of 65,535 entries): the stage then reports itself
// (faults.wgsl). Twin: src/cpu/gap_coupling.rs.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read> state: array<f32>;
// Neuron i: junctions gap_start[2i] .. gap_start[2i + 1], graded synapses on to
// gap_start[2i + 2].
@group(0) @binding(2) var<storage, read> gap_start: array<u32>;
@group(0) @binding(3) var<storage, read> gap_partner: array<u32>;
// Per entry: g (µS), e_rev (mV), v_th (mV), 1 / delta (1/mV).
@group(0) @binding(4) var<storage, read> gap_coupling: array<vec4<f32>>;
// Per (instance, neuron): [state index of v, bits of its offset], or [NEVER, 0].
@group(0) @binding(5) var<storage, read> gap_potential: array<vec2<u32>>;
@group(0) @binding(6) var<storage, read_write> gap_current: array<f32>;
@group(0) @binding(7) var<storage, read_write> counters: Counters;

// The membrane potential (mV) of entry `at` of `gap_potential`.
fn potential(at: u32) -> f32 {
    let p = gap_potential[at];
    return rounded(state[p.x] + bitcast<f32>(p.y));
}

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let gid = (wg.y * groups.x + wg.x) * NEURON_WORKGROUP + local;
    if (gid >= config.n_neurons * config.n_instances) {
        return;
    }
    let instance = gid / config.n_neurons;
    let neuron = gid - instance * config.n_neurons;
    let first = gap_start[2u * neuron];
    let middle = gap_start[2u * neuron + 1u];
    let end = gap_start[2u * neuron + 2u];
    if (first == end) {
        return;
    }
    let v = potential(gid);
    let base = instance * config.n_neurons;
    var sum = 0.0;
    for (var k = first; k < middle; k = k + 1u) {
        let other = potential(base + gap_partner[k]);
        sum = rounded(sum + rounded(gap_coupling[k].x * rounded(other - v)));
    }
    for (var k = middle; k < end; k = k + 1u) {
        let c = gap_coupling[k];
        let x = rounded(rounded(potential(base + gap_partner[k]) - c.z) * c.w);
        let open = det_recip(rounded(1.0 + det_exp(-x)));
        sum = rounded(sum + rounded(rounded(c.x * open) * rounded(c.y - v)));
    }
    gap_current[gid] = sum;
    check_loop_limit(STAGE_GAP_COUPLING);
}
