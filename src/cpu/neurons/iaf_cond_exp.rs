//! Twin of `shaders/neurons/iaf_cond_exp.wgsl`.

use super::StepInput;
use crate::cpu::arith::rounded;
use crate::plan::MAX_STATE;

fn cond_exp_dvdt(params: &[f32], b: usize, v: f32, g_e: f32, g_i: f32, i: f32) -> f32 {
    let leak = rounded(params[b] * rounded(params[b + 1] - v));
    let exc = rounded(g_e * rounded(params[b + 2] - v));
    let inh = rounded(g_i * rounded(params[b + 3] - v));
    let total = rounded(rounded(rounded(leak + exc) + inh) + i);
    rounded(total * params[b + 5])
}

pub fn neuron_step(s: &mut [f32; MAX_STATE], r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let mut v = s[0];
    let g_e = s[1];
    let g_i = s[2];
    let h = params[b + 10];
    let half = rounded(0.5 * h);
    let g_e_mid = rounded(g_e * params[b + 6]);
    let g_i_mid = rounded(g_i * params[b + 8]);
    let g_e_end = rounded(g_e * params[b + 7]);
    let g_i_end = rounded(g_i * params[b + 9]);
    if *r == 0 {
        let i = rounded(params[b + 4] + x.current);
        let k1 = cond_exp_dvdt(params, b, v, g_e, g_i, i);
        let k2 = cond_exp_dvdt(
            params,
            b,
            rounded(v + rounded(half * k1)),
            g_e_mid,
            g_i_mid,
            i,
        );
        let k3 = cond_exp_dvdt(
            params,
            b,
            rounded(v + rounded(half * k2)),
            g_e_mid,
            g_i_mid,
            i,
        );
        let k4 = cond_exp_dvdt(params, b, rounded(v + rounded(h * k3)), g_e_end, g_i_end, i);
        let sum = rounded(rounded(rounded(k1 + rounded(2.0 * k2)) + rounded(2.0 * k3)) + k4);
        v = rounded(v + rounded(rounded(h * sum) * (1.0 / 6.0)));
    } else {
        *r -= 1;
    }
    let spiked = v >= params[b + 11];
    if spiked {
        v = params[b + 12];
        *r = x.p.refractory_steps;
    }
    s[0] = v;
    s[1] = rounded(g_e_end + x.synaptic[0]);
    s[2] = rounded(g_i_end + x.synaptic[1]);
    spiked
}
