//! Twin of `shaders/neurons/iaf_psc_delta.wgsl`.

use super::StepInput;
use crate::cpu::arith::rounded;
use crate::plan::MAX_STATE;

pub fn neuron_step(s: &mut [f32; MAX_STATE], r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let mut v = s[0];
    if *r == 0 {
        let drive = rounded(params[b + 2] + x.current);
        let free = rounded(rounded(params[b] * v) + rounded(params[b + 1] * drive));
        v = rounded(free + rounded(x.synaptic[0] + x.synaptic[1]));
    } else {
        // NEST discards input that arrives during the refractory period.
        *r -= 1;
    }
    let spiked = v >= params[b + 3];
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if spiked && v.is_finite() {
        v = params[b + 4];
        *r = x.p.refractory_steps;
    }
    s[0] = v;
    spiked
}
