//! Twin of `shaders/neurons/iaf_cond_alpha.wgsl`.

use super::conductance::conductance_step;
use super::StepInput;
use crate::cpu::arith::rounded;
use crate::plan::MAX_STATE;

fn alpha_conductance(g: f32, dg: f32, s: f32, decay: f32) -> f32 {
    rounded(decay * rounded(g + rounded(s * dg)))
}

pub fn neuron_step(s: &mut [f32; MAX_STATE], r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let mut v = s[0];
    let h = params[b + 10];
    let half = rounded(0.5 * h);
    let (ge, dge, gi, dgi) = (s[1], s[2], s[3], s[4]);
    let g_e = [
        ge,
        alpha_conductance(ge, dge, half, params[b + 6]),
        alpha_conductance(ge, dge, h, params[b + 7]),
    ];
    let g_i = [
        gi,
        alpha_conductance(gi, dgi, half, params[b + 8]),
        alpha_conductance(gi, dgi, h, params[b + 9]),
    ];
    if *r == 0 {
        v = conductance_step(
            params,
            b,
            v,
            h,
            g_e,
            g_i,
            rounded(params[b + 4] + x.current),
        );
    } else {
        *r -= 1;
    }
    let spiked = v >= params[b + 11];
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if spiked && v.is_finite() {
        v = params[b + 12];
        *r = x.p.refractory_steps;
    }
    s[0] = v;
    s[1] = g_e[2];
    s[2] = rounded(rounded(params[b + 7] * dge) + rounded(params[b + 13] * x.synaptic[0]));
    s[3] = g_i[2];
    s[4] = rounded(rounded(params[b + 9] * dgi) + rounded(params[b + 14] * x.synaptic[1]));
    spiked
}
