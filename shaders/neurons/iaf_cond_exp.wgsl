// iaf_cond_exp (PyNN IF_cond_exp): equations, units and scheme in
// src/model/neuron.rs (IafCondExp). Twin: src/cpu/neurons/iaf_cond_exp.rs.
// State: v (mV), g_E, g_I (µS). Synaptic input: conductance increments (µS).
// Parameters: g_leak, v_rest, e_rev_E, e_rev_I, i_offset, 1/cm, decay of g_E over
// half a step and a step, the same for g_I, h, v_thresh, v_reset.
// Every intermediate goes through `rounded` (see common/rounding.wgsl).

const STATE_COUNT: u32 = 3u;

// dV/dt at membrane potential v with conductances g_e, g_i and current i.
fn cond_exp_dvdt(b: u32, v: f32, g_e: f32, g_i: f32, i: f32) -> f32 {
    let leak = rounded(params[b] * rounded(params[b + 1u] - v));
    let exc = rounded(g_e * rounded(params[b + 2u] - v));
    let inh = rounded(g_i * rounded(params[b + 3u] - v));
    let total = rounded(rounded(rounded(leak + exc) + inh) + i);
    return rounded(total * params[b + 5u]);
}

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: array<f32, 2>, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    var v = (*s)[0];
    let g_e = (*s)[1];
    let g_i = (*s)[2];
    let h = params[b + 10u];
    let half = rounded(0.5 * h);
    let g_e_mid = rounded(g_e * params[b + 6u]);
    let g_i_mid = rounded(g_i * params[b + 8u]);
    let g_e_end = rounded(g_e * params[b + 7u]);
    let g_i_end = rounded(g_i * params[b + 9u]);
    if (*r == 0u) {
        // Classical RK4 for V with the conductances of the start, middle and end.
        let i = rounded(params[b + 4u] + current);
        let k1 = cond_exp_dvdt(b, v, g_e, g_i, i);
        let k2 = cond_exp_dvdt(b, rounded(v + rounded(half * k1)), g_e_mid, g_i_mid, i);
        let k3 = cond_exp_dvdt(b, rounded(v + rounded(half * k2)), g_e_mid, g_i_mid, i);
        let k4 = cond_exp_dvdt(b, rounded(v + rounded(h * k3)), g_e_end, g_i_end, i);
        let sum = rounded(rounded(rounded(k1 + rounded(2.0 * k2)) + rounded(2.0 * k3)) + k4);
        v = rounded(v + rounded(rounded(h * sum) * (1.0 / 6.0)));
    } else {
        *r = *r - 1u;
    }
    let spiked = v >= params[b + 11u];
    if (spiked) {
        v = params[b + 12u];
        *r = p.refractory_steps;
    }
    (*s)[0] = v;
    (*s)[1] = rounded(g_e_end + synaptic[0]);
    (*s)[2] = rounded(g_i_end + synaptic[1]);
    return spiked;
}
