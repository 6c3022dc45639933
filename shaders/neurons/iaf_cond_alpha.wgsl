// iaf_cond_alpha (PyNN IF_cond_alpha): equations, units and scheme in
// src/model/neuron.rs (IafCondAlpha). Twin: src/cpu/neurons/iaf_cond_alpha.rs.
// State: v (mV), g_E, dg_E, g_I, dg_I (µS, µS/ms).
// Parameters: g_leak, v_rest, e_rev_E, e_rev_I, i_offset, 1/cm, decay of g_E over half
// a step and a step, the same for g_I, h, v_thresh, v_reset, e/tau_syn_E, e/tau_syn_I.
// Every intermediate goes through `rounded`.

const STATE_COUNT: u32 = 5u;

// An alpha conductance (g, dg) after s: e^(−s/τ) (g + s dg), given e^(−s/τ).
fn alpha_conductance(g: f32, dg: f32, s: f32, decay: f32) -> f32 {
    return rounded(decay * rounded(g + rounded(s * dg)));
}

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    var v = (*s)[0];
    let h = param(b + 10u);
    let half = rounded(0.5 * h);
    let ge = (*s)[1];
    let dge = (*s)[2];
    let gi = (*s)[3];
    let dgi = (*s)[4];
    let g_e = vec3<f32>(ge, alpha_conductance(ge, dge, half, param(b + 6u)), alpha_conductance(ge, dge, h, param(b + 7u)));
    let g_i = vec3<f32>(gi, alpha_conductance(gi, dgi, half, param(b + 8u)), alpha_conductance(gi, dgi, h, param(b + 9u)));
    if (*r == 0u) {
        v = conductance_step(b, v, h, g_e, g_i, rounded(param(b + 4u) + current));
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
    (*s)[1] = g_e.z;
    (*s)[2] = rounded(rounded(param(b + 7u) * dge) + rounded(param(b + 13u) * synaptic[0]));
    (*s)[3] = g_i.z;
    (*s)[4] = rounded(rounded(param(b + 9u) * dgi) + rounded(param(b + 14u) * synaptic[1]));
    return spiked;
}
