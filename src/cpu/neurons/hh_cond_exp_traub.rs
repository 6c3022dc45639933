//! Twin of `shaders/neurons/hh_cond_exp_traub.wgsl`.

use super::StepInput;
use crate::cpu::arith::rounded;
use crate::cpu::math::{det_exp, det_recip, det_x_over_expm1};
use crate::plan::MAX_STATE;

type Y = [f32; 4];

fn hh_rhs(params: &[f32], b: usize, y: Y, g_e: f32, g_i: f32, i: f32) -> Y {
    let [v, m, h, n] = y;
    let vt = rounded(params[b + 6] - v);
    let alpha_m = rounded(0.32 * det_x_over_expm1(rounded(13.0 + vt), 4.0, 0.25));
    let beta_m = rounded(0.28 * det_x_over_expm1(rounded(-40.0 - vt), 5.0, 0.2));
    let alpha_h = rounded(0.128 * det_exp(rounded(rounded(17.0 + vt) * (1.0 / 18.0))));
    let beta_h =
        rounded(4.0 * det_recip(rounded(1.0 + det_exp(rounded(rounded(40.0 + vt) * 0.2)))));
    let alpha_n = rounded(0.032 * det_x_over_expm1(rounded(15.0 + vt), 5.0, 0.2));
    let beta_n = rounded(0.5 * det_exp(rounded(rounded(10.0 + vt) * 0.025)));
    let m3h = rounded(rounded(rounded(m * m) * m) * h);
    let n2 = rounded(n * n);
    let i_na = rounded(rounded(params[b] * m3h) * rounded(v - params[b + 3]));
    let i_k = rounded(rounded(params[b + 1] * rounded(n2 * n2)) * rounded(v - params[b + 4]));
    let i_l = rounded(params[b + 2] * rounded(v - params[b + 5]));
    let i_syn = rounded(
        rounded(g_e * rounded(v - params[b + 7])) + rounded(g_i * rounded(v - params[b + 8])),
    );
    let total = rounded(rounded(i - rounded(rounded(i_na + i_k) + i_l)) - i_syn);
    [
        rounded(total * params[b + 9]),
        rounded(rounded(alpha_m * rounded(1.0 - m)) - rounded(beta_m * m)),
        rounded(rounded(alpha_h * rounded(1.0 - h)) - rounded(beta_h * h)),
        rounded(rounded(alpha_n * rounded(1.0 - n)) - rounded(beta_n * n)),
    ]
}

fn hh_axpy(y: Y, c: f32, k: Y) -> Y {
    [0, 1, 2, 3].map(|j| rounded(y[j] + rounded(c * k[j])))
}

pub fn neuron_step(s: &mut [f32; MAX_STATE], r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let v_before = s[0];
    let mut y = [s[0], s[1], s[2], s[3]];
    let (mut g_e, mut g_i) = (s[4], s[5]);
    let dt = params[b + 11];
    let half = rounded(0.5 * dt);
    let i = rounded(params[b + 10] + x.current);
    let substeps = params[b + 12] as u32;
    for _ in 0..substeps {
        let g_e_mid = rounded(g_e * params[b + 13]);
        let g_i_mid = rounded(g_i * params[b + 15]);
        let g_e_end = rounded(g_e * params[b + 14]);
        let g_i_end = rounded(g_i * params[b + 16]);
        let k1 = hh_rhs(params, b, y, g_e, g_i, i);
        let k2 = hh_rhs(params, b, hh_axpy(y, half, k1), g_e_mid, g_i_mid, i);
        let k3 = hh_rhs(params, b, hh_axpy(y, half, k2), g_e_mid, g_i_mid, i);
        let k4 = hh_rhs(params, b, hh_axpy(y, dt, k3), g_e_end, g_i_end, i);
        let sum = hh_axpy(hh_axpy(hh_axpy(k1, 2.0, k2), 2.0, k3), 1.0, k4);
        y = hh_axpy(y, rounded(dt * (1.0 / 6.0)), sum);
        g_e = g_e_end;
        g_i = g_i_end;
    }
    let mut spiked = false;
    if *r > 0 {
        *r -= 1;
    } else if y[0] >= rounded(params[b + 6] + 30.0) && y[0] < v_before {
        spiked = true;
        *r = x.p.refractory_steps;
    }
    s[..4].copy_from_slice(&y);
    s[4] = rounded(g_e + x.synaptic[0]);
    s[5] = rounded(g_i + x.synaptic[1]);
    spiked
}
