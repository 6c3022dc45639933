// izhikevich (Izhikevich 2003; NEST's consistent integration, or the 2006 paper's
// half steps): equations, units and scheme in src/model/neuron.rs (Izhikevich).
// Twin: src/cpu/neurons/izhikevich.rs.
// State: v (mV), u. Synaptic input: voltage jumps (mV).
// Parameters: a, b, c, d, v_thresh, i_offset, h, half_steps (0 or 1).
// Every intermediate goes through `rounded` (see common/rounding.wgsl).

const STATE_COUNT: u32 = 2u;

// dv/dt = ((0.04 v + 5) v + 140 − u) + drive.
fn izhikevich_dvdt(v: f32, u: f32, drive: f32) -> f32 {
    let quadratic = rounded(rounded(rounded(rounded(0.04 * v) + 5.0) * v) + 140.0);
    return rounded(rounded(quadratic - u) + drive);
}

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    let v = (*s)[0];
    let u = (*s)[1];
    let h = param(b + 6u);
    let drive = rounded(param(b + 5u) + current);
    let input = rounded(synaptic[0] + synaptic[1]);
    var v_free: f32;
    var u_from: f32;
    if (param(b + 7u) != 0.0) {
        // Izhikevich (2006): two half steps of v, then u from the new v.
        let half = rounded(0.5 * h);
        let v_half = rounded(v + rounded(half * izhikevich_dvdt(v, u, drive)));
        v_free = rounded(v_half + rounded(half * izhikevich_dvdt(v_half, u, drive)));
        u_from = v_free;
    } else {
        // NEST: both from the values at the start of the step.
        v_free = rounded(v + rounded(h * izhikevich_dvdt(v, u, drive)));
        u_from = v;
    }
    let du = rounded(param(b) * rounded(rounded(param(b + 1u) * u_from) - u));
    var v_next = rounded(v_free + input);
    var u_next = rounded(u + rounded(h * du));
    let spiked = v_next >= param(b + 4u);
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if (spiked && !is_nonfinite(v_next)) {
        v_next = param(b + 2u);
        u_next = rounded(u_next + param(b + 3u));
    }
    (*s)[0] = v_next;
    (*s)[1] = u_next;
    return spiked;
}
