// izhikevich (Izhikevich 2003, NEST's consistent integration): equations, units and
// scheme in src/model/neuron.rs (Izhikevich). Twin: src/cpu/neurons/izhikevich.rs.
// State: v (mV), u. Synaptic input: voltage jumps (mV).
// Parameters: a, b, c, d, v_thresh, i_offset, h.

const STATE_COUNT: u32 = 2u;

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: array<f32, 2>, current: f32) -> bool {
    let b = p.param_offset;
    let v = (*s)[0];
    let u = (*s)[1];
    let h = params[b + 6u];
    // (0.04 v + 5) v + 140 − u + I, all from the values at the start of the step.
    let dv = (fma(fma(0.04, v, 5.0), v, 140.0) - u) + (params[b + 5u] + current);
    let du = params[b] * fma(params[b + 1u], v, -u);
    var v_next = fma(h, dv, v) + (synaptic[0] + synaptic[1]);
    var u_next = fma(h, du, u);
    let spiked = v_next >= params[b + 4u];
    if (spiked) {
        v_next = params[b + 2u];
        u_next = u_next + params[b + 3u];
    }
    (*s)[0] = v_next;
    (*s)[1] = u_next;
    return spiked;
}
