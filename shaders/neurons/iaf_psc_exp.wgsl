// iaf_psc_exp (PyNN IF_curr_exp): equations, units and scheme in
// src/model/neuron.rs (IafPscExp). Twin: src/cpu/neurons/iaf_psc_exp.rs.
// State: v (relative to rest, mV), i_syn_E, i_syn_I (nA).
// Parameters: p22, p11_ex, p11_in, p21_ex, p21_in, p20, i_offset, theta, v_reset.

const STATE_COUNT: u32 = 3u;

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: array<f32, 2>, current: f32) -> bool {
    let b = p.param_offset;
    var v = (*s)[0];
    var i_ex = (*s)[1];
    var i_in = (*s)[2];
    if (*r == 0u) {
        let drive = params[b + 6u] + current;
        v = fma(params[b], v, fma(params[b + 3u], i_ex, fma(params[b + 4u], i_in, params[b + 5u] * drive)));
    } else {
        *r = *r - 1u;
    }
    i_ex = fma(params[b + 1u], i_ex, synaptic[0]);
    i_in = fma(params[b + 2u], i_in, synaptic[1]);
    let spiked = v >= params[b + 7u];
    if (spiked) {
        v = params[b + 8u];
        *r = p.refractory_steps;
    }
    (*s)[0] = v;
    (*s)[1] = i_ex;
    (*s)[2] = i_in;
    return spiked;
}
