//! Twin of `shaders/neurons/iaf_cond_exp.wgsl`.

use super::conductance::conductance_step;
use super::StepInput;
use crate::cpu::arith::rounded;
use crate::plan::MAX_STATE;

pub fn neuron_step(s: &mut [f32; MAX_STATE], r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let mut v = s[0];
    let g_e = [
        s[1],
        rounded(s[1] * params[b + 6]),
        rounded(s[1] * params[b + 7]),
    ];
    let g_i = [
        s[2],
        rounded(s[2] * params[b + 8]),
        rounded(s[2] * params[b + 9]),
    ];
    if *r == 0 {
        v = conductance_step(
            params,
            b,
            v,
            params[b + 10],
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
    s[1] = rounded(g_e[2] + x.synaptic[0]);
    s[2] = rounded(g_i[2] + x.synaptic[1]);
    spiked
}
