// iaf_psc_alpha (PyNN IF_curr_alpha): equations, units and scheme in
// src/model/neuron.rs (IafPscAlpha). Twin: src/cpu/neurons/iaf_psc_alpha.rs.
// State: v (relative to rest, mV), i_syn_E, di_syn_E, i_syn_I, di_syn_I (nA, nA/ms).
// Parameters: p33, p30, (p11, p21, p31, p32, psc_unit) for E then I, i_offset,
// theta, v_reset. Every intermediate goes through `rounded`.

const STATE_COUNT: u32 = 5u;

// P31 dI + P32 I of one receptor whose propagators start at `at`.
fn alpha_to_membrane(at: u32, i: f32, di: f32) -> f32 {
    return rounded(rounded(param(at + 2u) * di) + rounded(param(at + 3u) * i));
}

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    var v = (*s)[0];
    let i_ex = (*s)[1];
    let di_ex = (*s)[2];
    let i_in = (*s)[3];
    let di_in = (*s)[4];
    let ex = b + 2u;
    let inh = b + 7u;
    if (*r == 0u) {
        // P30 (i_offset + I_stim) + (E terms + (I terms + P33 V))
        let drive = rounded(param(b + 12u) + current);
        let rest = rounded(alpha_to_membrane(inh, i_in, di_in) + rounded(param(b) * v));
        v = rounded(rounded(param(b + 1u) * drive) + rounded(alpha_to_membrane(ex, i_ex, di_ex) + rest));
    } else {
        *r = *r - 1u;
    }
    (*s)[1] = rounded(rounded(param(ex + 1u) * di_ex) + rounded(param(ex) * i_ex));
    (*s)[2] = rounded(rounded(param(ex) * di_ex) + rounded(param(ex + 4u) * synaptic[0]));
    (*s)[3] = rounded(rounded(param(inh + 1u) * di_in) + rounded(param(inh) * i_in));
    (*s)[4] = rounded(rounded(param(inh) * di_in) + rounded(param(inh + 4u) * synaptic[1]));
    let spiked = v >= param(b + 13u);
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if (spiked && !is_nonfinite(v)) {
        v = param(b + 14u);
        *r = p.refractory_steps;
    }
    (*s)[0] = v;
    return spiked;
}
