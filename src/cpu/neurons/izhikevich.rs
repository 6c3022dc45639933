//! Twin of `shaders/neurons/izhikevich.wgsl`.

use super::StepInput;
use crate::cpu::arith::rounded;
use crate::plan::MAX_STATE;

fn izhikevich_dvdt(v: f32, u: f32, drive: f32) -> f32 {
    let quadratic = rounded(rounded(rounded(rounded(0.04 * v) + 5.0) * v) + 140.0);
    rounded(rounded(quadratic - u) + drive)
}

pub fn neuron_step(s: &mut [f32; MAX_STATE], _r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let v = s[0];
    let u = s[1];
    let h = params[b + 6];
    let drive = rounded(params[b + 5] + x.current);
    let input = rounded(x.synaptic[0] + x.synaptic[1]);
    let (v_free, u_from) = if params[b + 7] != 0.0 {
        let half = rounded(0.5 * h);
        let v_half = rounded(v + rounded(half * izhikevich_dvdt(v, u, drive)));
        let v_free = rounded(v_half + rounded(half * izhikevich_dvdt(v_half, u, drive)));
        (v_free, v_free)
    } else {
        (rounded(v + rounded(h * izhikevich_dvdt(v, u, drive))), v)
    };
    let du = rounded(params[b] * rounded(rounded(params[b + 1] * u_from) - u));
    let mut v_next = rounded(v_free + input);
    let mut u_next = rounded(u + rounded(h * du));
    let spiked = v_next >= params[b + 4];
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if spiked && v_next.is_finite() {
        v_next = params[b + 2];
        u_next = rounded(u_next + params[b + 3]);
    }
    s[0] = v_next;
    s[1] = u_next;
    spiked
}
