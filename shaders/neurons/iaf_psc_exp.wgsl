// iaf_psc_exp (PyNN IF_curr_exp): equations, units and scheme in
// src/model/neuron.rs (IafPscExp). Twin: src/cpu/neurons/iaf_psc_exp.rs.
// State: v (relative to rest, mV), i_syn_E, i_syn_I (nA).
// Parameters: p22, p11_ex, p11_in, p21_ex, p21_in, p20, i_offset, theta, v_reset.
// Every intermediate goes through `rounded` (see common/rounding.wgsl).

const STATE_COUNT: u32 = 3u;

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    var v = (*s)[0];
    var i_ex = (*s)[1];
    var i_in = (*s)[2];
    if (*r == 0u) {
        // P22 v + (P21E I_E + (P21I I_I + P20 (i_offset + I_stim)))
        let drive = rounded(param(b + 6u) + current);
        let from_in = rounded(rounded(param(b + 4u) * i_in) + rounded(param(b + 5u) * drive));
        let from_ex = rounded(rounded(param(b + 3u) * i_ex) + from_in);
        v = rounded(rounded(param(b) * v) + from_ex);
    } else {
        *r = *r - 1u;
    }
    i_ex = rounded(rounded(param(b + 1u) * i_ex) + synaptic[0]);
    i_in = rounded(rounded(param(b + 2u) * i_in) + synaptic[1]);
    let spiked = v >= param(b + 7u);
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if (spiked && !is_nonfinite(v)) {
        v = param(b + 8u);
        *r = p.refractory_steps;
    }
    (*s)[0] = v;
    (*s)[1] = i_ex;
    (*s)[2] = i_in;
    return spiked;
}
