//! Neuron update, the twin of `shaders/neuron_update.wgsl`: one call per invocation
//! of one neuron kernel, the same arithmetic in the same order; the model's step is
//! the twin in `neurons/`.

use super::arith::rounded;
use super::buffers::Buffers;
use super::fixed_point::{fixed_to_float, report_nonfinite, report_saturation};
use super::math::det_exp;
use super::neurons::{neuron_step, StepInput};
use super::poisson::{poisson_events, STREAM_STIMULUS};
use crate::plan::layout::{
    state_words, KindInfo, MAX_RECEPTORS, NEVER, READOUT_WORDS, STIMULUS_CURRENT_STREAM,
    STIMULUS_DC,
};
use crate::plan::{KindGroup, MAX_STATE};

/// The shader's `update_readout`: one more spike, the trace decayed exactly from the
/// last spike plus 1.
fn update_readout(b: &mut Buffers, at: usize, decay: f32, step: u32) {
    b.readouts[at] += 1;
    let last = b.readouts[at + 1];
    let mut trace = 1.0f32;
    if last != NEVER {
        let elapsed = step.wrapping_sub(last).min(1 << 24) as f32;
        let before =
            rounded(f32::from_bits(b.readouts[at + 2]) * det_exp(rounded(elapsed * decay)));
        trace = rounded(before + 1.0);
    }
    b.readouts[at + 1] = step;
    b.readouts[at + 2] = trace.to_bits();
}

fn population_of(b: &Buffers, kind: &KindInfo, neuron: u32) -> usize {
    let mut found = kind.first_pop as usize;
    for i in kind.first_pop + 1..kind.first_pop + kind.pop_count {
        if neuron >= b.populations[i as usize].first {
            found = i as usize;
        }
    }
    found
}

/// One invocation of the kernel of `group`.
pub fn neuron_update_main(index: u32, group: &KindGroup, b: &mut Buffers) {
    let kind = &group.info;
    let c = b.config;
    if index >= kind.size * c.n_instances {
        return;
    }
    let instance = index / kind.size;
    let in_group = index - instance * kind.size;
    let neuron = kind.first_neuron + in_group;
    let gid = instance * c.n_neurons + neuron;
    // An instance's swept parameters and stimuli lie a stride after instance 0's.
    let mut p = b.populations[population_of(b, kind, neuron)];
    p.param_offset += instance * c.params_stride + (neuron - p.first) * p.param_stride;
    p.stim_first += instance * c.stimuli_stride;
    // A refractory period that varies by neuron or instance is its parameter block's
    // last word.
    if p.refractory_word != NEVER {
        p.refractory_steps = b.params[(p.param_offset + p.refractory_word) as usize] as u32;
    }
    // The window's steps (`plan::window`), the state kept from step to step.
    let first_step = b.counters.step;
    let steps = window_len(b);
    let block = c.n_neurons * c.n_instances;

    // The neuron's block: its variables, then its refractory counter's bits.
    let at = group.state_index(instance, in_group, 0);
    let last = at + state_words(group.state_count) as usize - 1;
    let count = group.state_count as usize;
    let mut s = [0f32; MAX_STATE];
    for (v, value) in s.iter_mut().enumerate().take(count) {
        *value = b.state[at + v];
    }
    let mut r = b.state[last].to_bits();
    let homeostatic = p.ip_eta != 0.0;
    let key = [c.seed_lo, c.seed_hi];
    let (mut nonfinite_steps, mut nonfinite_first) = (0u32, NEVER);
    let mut slot = first_step % c.ring_depth;
    for k in 0..steps {
        let step = first_step + k;
        let ring_base =
            (((slot * c.n_instances + instance) * c.n_receptors) * c.n_neurons + neuron) as usize;
        let mut input = [0i32; MAX_RECEPTORS];
        for (port, value) in input.iter_mut().enumerate().take(c.n_receptors as usize) {
            let at = ring_base + port * c.n_neurons as usize;
            *value = b.ring[at];
            b.ring[at] = 0;
        }

        let mut current = 0.0f32;
        for s_i in p.stim_first..p.stim_first + p.stim_count {
            let stim = b.stimuli[s_i as usize];
            if step < stim.start_step || step >= stim.stop_step {
                continue;
            }
            if stim.kind == STIMULUS_DC {
                current = rounded(current + stim.amplitude);
            } else if stim.kind == STIMULUS_CURRENT_STREAM {
                let row = stim.stream_row + instance * p.size + neuron - p.first;
                let at = 3 + (step - b.currents[0]) * b.currents[2] + row;
                current = rounded(current + f32::from_bits(b.currents[at as usize]));
            } else {
                let r = stim.receptor as usize;
                let stream_index = gid + c.first_instance * c.n_neurons;
                let stimulus = s_i - instance * c.stimuli_stride;
                let (acc, saturated) = poisson_events(
                    &stim,
                    input[r],
                    key,
                    stream_index,
                    step,
                    STREAM_STIMULUS + stimulus,
                );
                input[r] = acc;
                if saturated {
                    let target_index =
                        (instance * c.n_receptors + stim.receptor) * c.n_neurons + neuron;
                    report_saturation(&mut b.counters, step, target_index);
                }
            }
        }
        if c.n_gap > 0 {
            current = rounded(current + b.gap_current[gid as usize]);
        }
        let mut synaptic = [0f32; MAX_RECEPTORS];
        for (port, value) in synaptic.iter_mut().enumerate().take(c.n_receptors as usize) {
            *value = fixed_to_float(input[port]) * p.input_unit[port];
        }

        if homeostatic {
            current = rounded(current + b.bias[gid as usize]);
        }
        let step_input = StepInput {
            params: &b.params,
            p: &p,
            synaptic,
            current,
            neuron: neuron - p.first,
            step,
            stream: &b.stream,
            stream_row: index,
        };
        let spiked = neuron_step(group.kind, &mut s, &mut r, &step_input);
        if homeostatic {
            let mut next = rounded(b.bias[gid as usize] + p.ip_step);
            if spiked {
                next = rounded(next - p.ip_eta);
            }
            b.bias[gid as usize] = next;
        }
        if s.iter().take(count).any(|value| !value.is_finite()) {
            nonfinite_steps += 1;
            nonfinite_first = nonfinite_first.min(step);
        }

        if spiked && p.readout_base != NEVER {
            let at = p.readout_base + (instance * p.size + neuron - p.first) * READOUT_WORDS;
            update_readout(b, at as usize, p.readout_decay, step);
        }
        if spiked {
            let entry = gid + k * block;
            let count = &mut b.counters.spike_counts[k as usize];
            b.spikes[(k * block + *count) as usize] = entry;
            *count += 1;
            if p.record != 0 {
                let j = b.counters.record_count;
                b.counters.record_count += 1;
                if j < c.record_capacity {
                    b.spikes[(c.window_steps * block + j) as usize] = entry;
                }
            }
        }
        slot += 1;
        if slot == c.ring_depth {
            slot = 0;
        }
    }
    for (v, value) in s.iter().enumerate().take(count) {
        b.state[at + v] = *value;
    }
    b.state[last] = f32::from_bits(r);
    if nonfinite_steps > 0 {
        report_nonfinite(&mut b.counters, nonfinite_first, gid, nonfinite_steps);
    }
}

/// The steps one dispatch integrates: the window, cut at the batch's end (the
/// shaders' `window_len`, shaders/common/window.wgsl; the batch's length is read only
/// where windows are longer than a step).
pub fn window_len(b: &Buffers) -> u32 {
    if b.config.window_steps > 1 {
        b.config
            .window_steps
            .min(b.counters.batch_len - b.counters.batch_step)
    } else {
        1
    }
}
