// aeif_cond_exp (AdEx; PyNN EIF_cond_exp_isfa_ista): equations, units and scheme in
// src/model/neuron.rs (AeifCondExp). Twin: src/cpu/neurons/aeif_cond_exp.rs.
// State: v (mV), w (nA), g_E, g_I (µS).
// Parameters: g_leak, v_rest, e_rev_E, e_rev_I, i_offset, 1/cm, decays of g_E and g_I
// (half step, step), h, v_spike, v_reset, g_leak ΔT, 1/ΔT, v_thresh, a (µS), 1/tau_w, b.
// Every intermediate goes through `rounded`; the exponential is det_exp.

const STATE_COUNT: u32 = 4u;

// (dV/dt, dw/dt); V is clamped at v_spike as in NEST, and held at v_reset while
// refractory.
fn aeif_rhs(b: u32, v_in: f32, w: f32, g_e: f32, g_i: f32, i: f32, refractory: bool) -> vec2<f32> {
    let v = select(min(v_in, param(b + 11u)), param(b + 12u), refractory);
    let leak = rounded(param(b) * rounded(param(b + 1u) - v));
    let spike = rounded(param(b + 13u) * det_exp(rounded(rounded(v - param(b + 15u)) * param(b + 14u))));
    let exc = rounded(g_e * rounded(param(b + 2u) - v));
    let inh = rounded(g_i * rounded(param(b + 3u) - v));
    let total = rounded(rounded(rounded(rounded(rounded(leak + spike) + exc) + inh) - w) + i);
    let dv = select(rounded(total * param(b + 5u)), 0.0, refractory);
    let dw = rounded(rounded(rounded(param(b + 16u) * rounded(v - param(b + 1u))) - w) * param(b + 17u));
    return vec2<f32>(dv, dw);
}

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    let b = p.param_offset;
    var v = (*s)[0];
    var w = (*s)[1];
    let g_e = (*s)[2];
    let g_i = (*s)[3];
    let h = param(b + 10u);
    let half = rounded(0.5 * h);
    let g_e_mid = rounded(g_e * param(b + 6u));
    let g_i_mid = rounded(g_i * param(b + 8u));
    let g_e_end = rounded(g_e * param(b + 7u));
    let g_i_end = rounded(g_i * param(b + 9u));
    let refractory = *r > 0u;
    if (refractory) {
        *r = *r - 1u;
        v = param(b + 12u);
    }
    let i = rounded(param(b + 4u) + current);
    // Stiff: the membrane's effective time constant unresolved (G h / C ≥ 1/2, G =
    // g_L + g_E + g_I at mid-step, as iaf_cond_*), or the adaptation's near RK4's
    // stability limit (h / tau_w ≥ 2.5; unstable past 2.78). RK4 there made a strong
    // inhibitory conductance fire the neuron, and tau_w = 0.01 ms gave NaN; at
    // h / tau_w = 2 it still matched NEST's spikes, which exponential Euler did not.
    let g_total = rounded(rounded(param(b) + g_e_mid) + g_i_mid);
    let stiff_v = rounded(rounded(g_total * h) * param(b + 5u));
    let stiff_w = rounded(h * param(b + 17u));
    if (stiff_v >= 0.5 || stiff_w >= 2.5) {
        // Exponential Euler: V and w take the exact solutions of their linear
        // equations with the rest (conductances at mid-step, the spike current and w
        // for V, V for w) held: V∞ + (V − V∞) e^(−G h / C), w∞ + (w − w∞) e^(−h / tau_w).
        let v_held = select(min(v, param(b + 11u)), param(b + 12u), refractory);
        let spike = rounded(param(b + 13u) * det_exp(rounded(rounded(v_held - param(b + 15u)) * param(b + 14u))));
        let drive = rounded(rounded(rounded(rounded(rounded(rounded(param(b) * param(b + 1u)) + rounded(g_e_mid * param(b + 2u))) + rounded(g_i_mid * param(b + 3u))) + spike) - w) + i);
        let v_inf = rounded(drive * det_recip(g_total));
        let w_inf = rounded(param(b + 16u) * rounded(v_held - param(b + 1u)));
        w = rounded(w_inf + rounded(rounded(w - w_inf) * det_exp(-stiff_w)));
        if (!refractory) {
            v = rounded(v_inf + rounded(rounded(v - v_inf) * det_exp(-stiff_v)));
        }
        return aeif_end(s, r, p, synaptic, v, w, g_e_end, g_i_end);
    }
    let k1 = aeif_rhs(b, v, w, g_e, g_i, i, refractory);
    let k2 = aeif_rhs(b, rounded(v + rounded(half * k1.x)), rounded(w + rounded(half * k1.y)), g_e_mid, g_i_mid, i, refractory);
    let k3 = aeif_rhs(b, rounded(v + rounded(half * k2.x)), rounded(w + rounded(half * k2.y)), g_e_mid, g_i_mid, i, refractory);
    let k4 = aeif_rhs(b, rounded(v + rounded(h * k3.x)), rounded(w + rounded(h * k3.y)), g_e_end, g_i_end, i, refractory);
    let sum_v = rounded(rounded(rounded(k1.x + rounded(2.0 * k2.x)) + rounded(2.0 * k3.x)) + k4.x);
    let sum_w = rounded(rounded(rounded(k1.y + rounded(2.0 * k2.y)) + rounded(2.0 * k3.y)) + k4.y);
    v = rounded(v + rounded(rounded(h * sum_v) * (1.0 / 6.0)));
    w = rounded(w + rounded(rounded(h * sum_w) * (1.0 / 6.0)));
    return aeif_end(s, r, p, synaptic, v, w, g_e_end, g_i_end);
}

// The end of a step at the new v and w: spike and reset, store the state with the
// step's synaptic input added to the decayed conductances.
fn aeif_end(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, v_new: f32, w_new: f32, g_e_end: f32, g_i_end: f32) -> bool {
    let b = p.param_offset;
    var v = v_new;
    var w = w_new;
    let spiked = v >= param(b + 11u);
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if (spiked && !is_nonfinite(v)) {
        v = param(b + 12u);
        w = rounded(w + param(b + 18u));
        *r = p.refractory_steps;
    }
    (*s)[0] = v;
    (*s)[1] = w;
    (*s)[2] = rounded(g_e_end + synaptic[0]);
    (*s)[3] = rounded(g_i_end + synaptic[1]);
    return spiked;
}
