//! Twin of `shaders/neurons/iaf_psc_alpha.wgsl`.

use super::StepInput;
use crate::cpu::arith::rounded;
use crate::plan::MAX_STATE;

fn alpha_to_membrane(params: &[f32], at: usize, i: f32, di: f32) -> f32 {
    rounded(rounded(params[at + 2] * di) + rounded(params[at + 3] * i))
}

pub fn neuron_step(s: &mut [f32; MAX_STATE], r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let mut v = s[0];
    let (i_ex, di_ex, i_in, di_in) = (s[1], s[2], s[3], s[4]);
    let (ex, inh) = (b + 2, b + 7);
    if *r == 0 {
        let drive = rounded(params[b + 12] + x.current);
        let rest = rounded(alpha_to_membrane(params, inh, i_in, di_in) + rounded(params[b] * v));
        v = rounded(
            rounded(params[b + 1] * drive)
                + rounded(alpha_to_membrane(params, ex, i_ex, di_ex) + rest),
        );
    } else {
        *r -= 1;
    }
    s[1] = rounded(rounded(params[ex + 1] * di_ex) + rounded(params[ex] * i_ex));
    s[2] = rounded(rounded(params[ex] * di_ex) + rounded(params[ex + 4] * x.synaptic[0]));
    s[3] = rounded(rounded(params[inh + 1] * di_in) + rounded(params[inh] * i_in));
    s[4] = rounded(rounded(params[inh] * di_in) + rounded(params[inh + 4] * x.synaptic[1]));
    let spiked = v >= params[b + 13];
    // A potential that overflowed to +inf is not reset: the fault check reports it.
    if spiked && v.is_finite() {
        v = params[b + 14];
        *r = x.p.refractory_steps;
    }
    s[0] = v;
    spiked
}
