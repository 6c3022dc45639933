//! Twin of `shaders/neurons/izhikevich.wgsl`.

use super::StepInput;
use crate::cpu::arith::rounded;
use crate::plan::MAX_STATE;

pub fn neuron_step(s: &mut [f32; MAX_STATE], _r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let v = s[0];
    let u = s[1];
    let h = params[b + 6];
    let quadratic = rounded(rounded(rounded(rounded(0.04 * v) + 5.0) * v) + 140.0);
    let dv = rounded(rounded(quadratic - u) + rounded(params[b + 5] + x.current));
    let du = rounded(params[b] * rounded(rounded(params[b + 1] * v) - u));
    let mut v_next = rounded(rounded(v + rounded(h * dv)) + rounded(x.synaptic[0] + x.synaptic[1]));
    let mut u_next = rounded(u + rounded(h * du));
    let spiked = v_next >= params[b + 4];
    if spiked {
        v_next = params[b + 2];
        u_next = rounded(u_next + params[b + 3]);
    }
    s[0] = v_next;
    s[1] = u_next;
    spiked
}
