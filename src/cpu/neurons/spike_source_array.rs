//! Twin of `shaders/neurons/spike_source_array.wgsl`.

use super::StepInput;
use crate::plan::MAX_STATE;

fn spike_step_at(params: &[f32], b: usize, lists: usize, k: usize) -> u32 {
    let at = b + 2 + lists + 2 * k;
    params[at] as u32 * 65536 + params[at + 1] as u32
}

pub fn neuron_step(s: &mut [f32; MAX_STATE], _r: &mut u32, x: &StepInput<'_>) -> bool {
    let (params, b) = (x.params, x.p.param_offset as usize);
    let lists = params[b] as usize;
    let row = if lists > 1 { x.neuron as usize } else { 0 };
    let start = params[b + 1 + row] as usize;
    let end = params[b + 2 + row] as usize;
    let mut k = start + s[0] as usize;
    let mut spiked = false;
    while k < end {
        let due = spike_step_at(params, b, lists, k);
        if due > x.step {
            break;
        }
        spiked = spiked || due == x.step;
        k += 1;
    }
    s[0] = (k - start) as f32;
    spiked
}
