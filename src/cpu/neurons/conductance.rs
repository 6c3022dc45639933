//! Twin of `shaders/common/conductance.wgsl`.

use crate::cpu::arith::rounded;
use crate::cpu::math::{det_exp, det_recip};

pub fn conductance_dvdt(params: &[f32], b: usize, v: f32, g_e: f32, g_i: f32, i: f32) -> f32 {
    let leak = rounded(params[b] * rounded(params[b + 1] - v));
    let exc = rounded(g_e * rounded(params[b + 2] - v));
    let inh = rounded(g_i * rounded(params[b + 3] - v));
    let total = rounded(rounded(rounded(leak + exc) + inh) + i);
    rounded(total * params[b + 5])
}

/// `g_e`, `g_i`: the conductances at the start, middle and end of the step.
fn conductance_rk4(
    params: &[f32],
    b: usize,
    v: f32,
    h: f32,
    g_e: [f32; 3],
    g_i: [f32; 3],
    i: f32,
) -> f32 {
    let half = rounded(0.5 * h);
    let k1 = conductance_dvdt(params, b, v, g_e[0], g_i[0], i);
    let k2 = conductance_dvdt(
        params,
        b,
        rounded(v + rounded(half * k1)),
        g_e[1],
        g_i[1],
        i,
    );
    let k3 = conductance_dvdt(
        params,
        b,
        rounded(v + rounded(half * k2)),
        g_e[1],
        g_i[1],
        i,
    );
    let k4 = conductance_dvdt(params, b, rounded(v + rounded(h * k3)), g_e[2], g_i[2], i);
    let sum = rounded(rounded(rounded(k1 + rounded(2.0 * k2)) + rounded(2.0 * k3)) + k4);
    rounded(v + rounded(rounded(h * sum) * (1.0 / 6.0)))
}

/// One step of V over h: RK4 where G h / C < 1/2 (G = g_L + g_E + g_I at mid-step),
/// else the exact solution with the mid-step conductances held (the shader's
/// `conductance_step`, where the reasons are).
pub fn conductance_step(
    params: &[f32],
    b: usize,
    v: f32,
    h: f32,
    g_e: [f32; 3],
    g_i: [f32; 3],
    i: f32,
) -> f32 {
    let g_total = rounded(rounded(params[b] + g_e[1]) + g_i[1]);
    let stiffness = rounded(rounded(g_total * h) * params[b + 5]);
    if stiffness < 0.5 {
        return conductance_rk4(params, b, v, h, g_e, g_i, i);
    }
    let leak = rounded(params[b] * params[b + 1]);
    let exc = rounded(g_e[1] * params[b + 2]);
    let inh = rounded(g_i[1] * params[b + 3]);
    let drive = rounded(rounded(rounded(leak + exc) + inh) + i);
    let v_inf = rounded(drive * det_recip(g_total));
    rounded(v_inf + rounded(rounded(v - v_inf) * det_exp(-stiffness)))
}
