// iaf_cond_exp (PyNN IF_cond_exp): equations, units and scheme in
// src/model/neuron.rs (IafCondExp). Twin: src/cpu/neurons/iaf_cond_exp.rs.
// State: v (mV), g_E, g_I (µS). Synaptic input: conductance increments (µS).
// Parameters: g_leak, v_rest, e_rev_E, e_rev_I, i_offset, 1/cm, decay of g_E over
// half a step and a step, the same for g_I, h, v_thresh, v_reset.
// Every intermediate goes through `rounded` (see common/rounding.wgsl).

const STATE_COUNT: u32 = 3u;

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    var v = (*s)[0];
    let g_e = vec3<f32>((*s)[1], rounded((*s)[1] * param(b + 6u)), rounded((*s)[1] * param(b + 7u)));
    let g_i = vec3<f32>((*s)[2], rounded((*s)[2] * param(b + 8u)), rounded((*s)[2] * param(b + 9u)));
    if (*r == 0u) {
        v = conductance_step(b, v, param(b + 10u), g_e, g_i, rounded(param(b + 4u) + current));
    } else {
        *r = *r - 1u;
    }
    let spiked = v >= param(b + 11u);
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if (spiked && !is_nonfinite(v)) {
        v = param(b + 12u);
        *r = p.refractory_steps;
    }
    (*s)[0] = v;
    (*s)[1] = rounded(g_e.z + synaptic[0]);
    (*s)[2] = rounded(g_i.z + synaptic[1]);
    return spiked;
}
