//! Twin of `shaders/neurons/parrot_neuron.wgsl`.

use super::StepInput;
use crate::plan::MAX_STATE;

pub fn neuron_step(_s: &mut [f32; MAX_STATE], _r: &mut u32, x: &StepInput<'_>) -> bool {
    x.synaptic[0] != 0.0 || x.synaptic[1] != 0.0
}
