//! Twin of `shaders/neurons/aeif_cond_exp.wgsl`.

use super::StepInput;
use crate::cpu::arith::rounded;
use crate::cpu::math::{det_exp, det_recip};
use crate::plan::MAX_STATE;

#[allow(clippy::too_many_arguments)]
fn aeif_rhs(
    params: &[f32],
    b: usize,
    v_in: f32,
    w: f32,
    g_e: f32,
    g_i: f32,
    i: f32,
    refractory: bool,
) -> (f32, f32) {
    let v = if refractory {
        params[b + 12]
    } else {
        v_in.min(params[b + 11])
    };
    let leak = rounded(params[b] * rounded(params[b + 1] - v));
    let spike =
        rounded(params[b + 13] * det_exp(rounded(rounded(v - params[b + 15]) * params[b + 14])));
    let exc = rounded(g_e * rounded(params[b + 2] - v));
    let inh = rounded(g_i * rounded(params[b + 3] - v));
    let total = rounded(rounded(rounded(rounded(rounded(leak + spike) + exc) + inh) - w) + i);
    let dv = if refractory {
        0.0
    } else {
        rounded(total * params[b + 5])
    };
    let dw =
        rounded(rounded(rounded(params[b + 16] * rounded(v - params[b + 1])) - w) * params[b + 17]);
    (dv, dw)
}

pub fn neuron_step(s: &mut [f32; MAX_STATE], r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let mut v = s[0];
    let mut w = s[1];
    let (g_e, g_i) = (s[2], s[3]);
    let h = params[b + 10];
    let half = rounded(0.5 * h);
    let g_e_mid = rounded(g_e * params[b + 6]);
    let g_i_mid = rounded(g_i * params[b + 8]);
    let g_e_end = rounded(g_e * params[b + 7]);
    let g_i_end = rounded(g_i * params[b + 9]);
    let refractory = *r > 0;
    if refractory {
        *r -= 1;
        v = params[b + 12];
    }
    let i = rounded(params[b + 4] + x.current);
    // Stiff: the membrane's effective time constant unresolved (G h / C ≥ 1/2, G =
    // g_L + g_E + g_I at mid-step, as iaf_cond_*), or the adaptation's near RK4's
    // stability limit (h / tau_w ≥ 2.5; unstable past 2.78). RK4 there made a strong
    // inhibitory conductance fire the neuron, and tau_w = 0.01 ms gave NaN; at
    // h / tau_w = 2 it still matched NEST's spikes, which exponential Euler did not.
    let g_total = rounded(rounded(params[b] + g_e_mid) + g_i_mid);
    let stiff_v = rounded(rounded(g_total * h) * params[b + 5]);
    let stiff_w = rounded(h * params[b + 17]);
    if stiff_v >= 0.5 || stiff_w >= 2.5 {
        // Exponential Euler: V and w take the exact solutions of their linear
        // equations with the rest (conductances at mid-step, the spike current and w
        // for V, V for w) held: V∞ + (V − V∞) e^(−G h / C), w∞ + (w − w∞) e^(−h / tau_w).
        let v_held = if refractory {
            params[b + 12]
        } else {
            v.min(params[b + 11])
        };
        let spike = rounded(
            params[b + 13] * det_exp(rounded(rounded(v_held - params[b + 15]) * params[b + 14])),
        );
        let leak = rounded(params[b] * params[b + 1]);
        let exc = rounded(g_e_mid * params[b + 2]);
        let inh = rounded(g_i_mid * params[b + 3]);
        let drive = rounded(rounded(rounded(rounded(rounded(leak + exc) + inh) + spike) - w) + i);
        let v_inf = rounded(drive * det_recip(g_total));
        let w_inf = rounded(params[b + 16] * rounded(v_held - params[b + 1]));
        w = rounded(w_inf + rounded(rounded(w - w_inf) * det_exp(-stiff_w)));
        if !refractory {
            v = rounded(v_inf + rounded(rounded(v - v_inf) * det_exp(-stiff_v)));
        }
        return aeif_end(s, r, x, v, w, [g_e_end, g_i_end]);
    }
    let rhs =
        |v: f32, w: f32, g_e: f32, g_i: f32| aeif_rhs(params, b, v, w, g_e, g_i, i, refractory);
    let k1 = rhs(v, w, g_e, g_i);
    let k2 = rhs(
        rounded(v + rounded(half * k1.0)),
        rounded(w + rounded(half * k1.1)),
        g_e_mid,
        g_i_mid,
    );
    let k3 = rhs(
        rounded(v + rounded(half * k2.0)),
        rounded(w + rounded(half * k2.1)),
        g_e_mid,
        g_i_mid,
    );
    let k4 = rhs(
        rounded(v + rounded(h * k3.0)),
        rounded(w + rounded(h * k3.1)),
        g_e_end,
        g_i_end,
    );
    let sum_v = rounded(rounded(rounded(k1.0 + rounded(2.0 * k2.0)) + rounded(2.0 * k3.0)) + k4.0);
    let sum_w = rounded(rounded(rounded(k1.1 + rounded(2.0 * k2.1)) + rounded(2.0 * k3.1)) + k4.1);
    v = rounded(v + rounded(rounded(h * sum_v) * (1.0 / 6.0)));
    w = rounded(w + rounded(rounded(h * sum_w) * (1.0 / 6.0)));
    aeif_end(s, r, x, v, w, [g_e_end, g_i_end])
}

/// The end of a step at the new `v` and `w`: spike and reset, store the state with
/// the step's synaptic input added to the decayed conductances `g_end`.
fn aeif_end(
    s: &mut [f32; MAX_STATE],
    r: &mut u32,
    x: &StepInput<'_>,
    mut v: f32,
    mut w: f32,
    [g_e_end, g_i_end]: [f32; 2],
) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let spiked = v >= params[b + 11];
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if spiked && v.is_finite() {
        v = params[b + 12];
        w = rounded(w + params[b + 18]);
        *r = x.p.refractory_steps;
    }
    s[0] = v;
    s[1] = w;
    s[2] = rounded(g_e_end + x.synaptic[0]);
    s[3] = rounded(g_i_end + x.synaptic[1]);
    spiked
}
