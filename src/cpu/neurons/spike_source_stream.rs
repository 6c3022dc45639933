//! Twin of `shaders/neurons/spike_source_stream.wgsl`.

use super::StepInput;
use crate::plan::MAX_STATE;

pub fn neuron_step(_s: &mut [f32; MAX_STATE], _r: &mut u32, x: &StepInput<'_>) -> bool {
    let table = x.stream;
    let base = table[0] as usize + 2;
    let row = x.stream_row as usize;
    let (mut low, end) = (table[1 + row] as usize, table[2 + row] as usize);
    let mut high = end;
    while low < high {
        let mid = low + (high - low) / 2;
        if table[base + mid] < x.step {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low < end && table[base + low] == x.step
}
