//! What the loss reads of a trial, gathered from its records: per instance, step and
//! neuron of the output layer, the recorded value (a readout's potential relative to
//! rest, a LIF neuron's current) and whether it spiked. The twin of
//! `shaders/train_output.wgsl`, which gathers it on the device so that only these
//! values come back to the host.

use crate::cpu::train_forward::History;
use crate::train::plan::TrainingPlan;

/// `[instance][step][output neuron]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputRecord {
    pub instances: u32,
    pub steps: u32,
    pub size: u32,
    pub values: Vec<f32>,
    /// 1 where the neuron spiked in the step.
    pub spikes: Vec<u32>,
}

impl OutputRecord {
    pub fn index(&self, instance: u32, step: u32, neuron: u32) -> usize {
        ((instance * self.steps + step) * self.size + neuron) as usize
    }

    pub fn value(&self, instance: u32, step: u32, neuron: u32) -> f32 {
        self.values[self.index(instance, step, neuron)]
    }

    pub fn spiked(&self, instance: u32, step: u32, neuron: u32) -> bool {
        self.spikes[self.index(instance, step, neuron)] != 0
    }
}

/// Layer `output`'s part of `history`.
pub fn train_output(plan: &TrainingPlan, output: usize, history: &History) -> OutputRecord {
    let layer = plan.layers[output];
    let (instances, steps) = (history.instances, history.steps);
    let mut record = OutputRecord {
        instances,
        steps,
        size: layer.size,
        values: Vec::with_capacity((instances * steps * layer.size) as usize),
        spikes: Vec::with_capacity((instances * steps * layer.size) as usize),
    };
    for b in 0..instances {
        for n in 0..steps {
            for k in 0..layer.size {
                let j = layer.offset + k;
                record.values.push(history.recorded_at(b, n, j));
                record.spikes.push(u32::from(history.spiked(b, n, j)));
            }
        }
    }
    record
}
