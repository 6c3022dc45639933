//! Twin of `shaders/neurons/iaf_psc_exp.wgsl`.

use super::StepInput;
use crate::cpu::arith::rounded;
use crate::plan::MAX_STATE;

pub fn neuron_step(s: &mut [f32; MAX_STATE], r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let mut v = s[0];
    let mut i_ex = s[1];
    let mut i_in = s[2];
    if *r == 0 {
        let drive = rounded(params[b + 6] + x.current);
        let from_in = rounded(rounded(params[b + 4] * i_in) + rounded(params[b + 5] * drive));
        let from_ex = rounded(rounded(params[b + 3] * i_ex) + from_in);
        v = rounded(rounded(params[b] * v) + from_ex);
    } else {
        *r -= 1;
    }
    i_ex = rounded(rounded(params[b + 1] * i_ex) + x.synaptic[0]);
    i_in = rounded(rounded(params[b + 2] * i_in) + x.synaptic[1]);
    let spiked = v >= params[b + 7];
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if spiked && v.is_finite() {
        v = params[b + 8];
        *r = x.p.refractory_steps;
    }
    s[0] = v;
    s[1] = i_ex;
    s[2] = i_in;
    spiked
}
