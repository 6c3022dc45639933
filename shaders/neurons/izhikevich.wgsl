// izhikevich (Izhikevich 2003, NEST's consistent integration): equations, units and
// scheme in src/model/neuron.rs (Izhikevich). Twin: src/cpu/neurons/izhikevich.rs.
// State: v (mV), u. Synaptic input: voltage jumps (mV).
// Parameters: a, b, c, d, v_thresh, i_offset, h.
// Every intermediate goes through `rounded` (see common/rounding.wgsl).

const STATE_COUNT: u32 = 2u;

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: array<f32, 2>, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    let v = (*s)[0];
    let u = (*s)[1];
    let h = params[b + 6u];
    // dv = ((0.04 v + 5) v + 140 − u) + (i_offset + I_stim), du = a (b v − u), both
    // from the values at the start of the step.
    let quadratic = rounded(rounded(rounded(rounded(0.04 * v) + 5.0) * v) + 140.0);
    let dv = rounded(rounded(quadratic - u) + rounded(params[b + 5u] + current));
    let du = rounded(params[b] * rounded(rounded(params[b + 1u] * v) - u));
    var v_next = rounded(rounded(v + rounded(h * dv)) + rounded(synaptic[0] + synaptic[1]));
    var u_next = rounded(u + rounded(h * du));
    let spiked = v_next >= params[b + 4u];
    if (spiked) {
        v_next = params[b + 2u];
        u_next = rounded(u_next + params[b + 3u]);
    }
    (*s)[0] = v_next;
    (*s)[1] = u_next;
    return spiked;
}
