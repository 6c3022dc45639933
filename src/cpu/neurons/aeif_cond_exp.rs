//! Twin of `shaders/neurons/aeif_cond_exp.wgsl`.

use super::StepInput;
use crate::cpu::arith::rounded;
use crate::cpu::math::det_exp;
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
