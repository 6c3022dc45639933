//! The forward pass of training, one step for every instance (sample of the batch) and
//! neuron: the arithmetic `shaders/train_forward.wgsl` will do, in the same order.
//!
//! Synaptic input is gathered, not scattered: neuron `j` sums, connection by connection
//! and presynaptic neuron by presynaptic neuron in index order, the weights of the
//! synapses whose presynaptic neuron spiked `delay` steps ago. The order is fixed, so
//! the f32 sum is the same on every device without fixed-point atomics, and the
//! gradient sees the weights unquantised.
//!
//! Step `n` advances the state from `t_n` to `t_{n+1}` exactly (propagators from the
//! plan): `V ← P22 V + P21 I`, `I ← P11 I + input`; the input of step `n` arrives at
//! `t_{n+1}`, after the membrane has moved, as in `iaf_psc_exp`. A LIF neuron with
//! `V ≥ θ` spikes at `t_{n+1}` and is reset; an ALIF neuron's threshold is
//! `θ + β a`, and `a ← ρ a + z` after the step. Each spiking neuron also leaves
//! e-prop's pseudo-derivative `ψ = γ/(θ − V_r) · max(0, 1 − |V − threshold|/(θ − V_r))`
//! of the step, from the potential before the reset. What the backward pass needs is recorded
//! per step: the spike bits, and per neuron the current just before the step's input
//! (LIF: `P11 I`, for the slope at the spike) or the potential (readout: `V`, for the
//! loss).

use crate::cpu::arith::rounded;
use crate::train::plan::{NeuronRole, TrainingPlan, WORD_BITS};

/// The membrane, synaptic current and adaptation of every neuron of every instance
/// (`[instance][neuron]`), potentials relative to rest; and e-prop's
/// pseudo-derivative of the last step's spike.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardState {
    pub v: Vec<f32>,
    pub i: Vec<f32>,
    pub a: Vec<f32>,
    pub psi: Vec<f32>,
}

impl ForwardState {
    pub fn new(plan: &TrainingPlan, instances: u32) -> Self {
        let n = (instances * plan.neurons) as usize;
        Self {
            v: vec![0.0; n],
            i: vec![0.0; n],
            a: vec![0.0; n],
            psi: vec![0.0; n],
        }
    }
}

/// What one trial of a batch leaves for the backward pass.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub instances: u32,
    pub steps: u32,
    pub words: u32,
    pub neurons: u32,
    /// `[instance][step][word]`: bit `j % 32` of word `j / 32` is set when neuron `j`
    /// spiked in the step (input neurons: the dataset's events).
    pub spikes: Vec<u32>,
    /// `[instance][step][neuron]`: LIF, the current before the step's input (nA);
    /// readout, the potential after the step relative to rest (mV).
    pub recorded: Vec<f32>,
}

impl History {
    pub fn new(plan: &TrainingPlan, instances: u32) -> Self {
        let steps = plan.steps;
        Self {
            instances,
            steps,
            words: plan.words(),
            neurons: plan.neurons,
            spikes: vec![0; (instances * steps * plan.words()) as usize],
            recorded: vec![0.0; (instances * steps * plan.neurons) as usize],
        }
    }

    pub fn spiked(&self, instance: u32, step: u32, neuron: u32) -> bool {
        let word = self.spikes[self.word_index(instance, step, neuron)];
        word >> (neuron % WORD_BITS) & 1 == 1
    }

    pub fn set_spike(&mut self, instance: u32, step: u32, neuron: u32) {
        let w = self.word_index(instance, step, neuron);
        self.spikes[w] |= 1 << (neuron % WORD_BITS);
    }

    fn word_index(&self, instance: u32, step: u32, neuron: u32) -> usize {
        ((instance * self.steps + step) * self.words + neuron / WORD_BITS) as usize
    }

    pub fn recorded_at(&self, instance: u32, step: u32, neuron: u32) -> f32 {
        self.recorded[((instance * self.steps + step) * self.neurons + neuron) as usize]
    }
}

/// Step `n` of every instance and neuron. `weights` and `delays` (steps, ≥ 1) are the
/// plan's flat synapse arrays; `gamma` is e-prop's pseudo-derivative height.
#[allow(clippy::too_many_arguments)]
pub fn train_forward(
    plan: &TrainingPlan,
    weights: &[f32],
    delays: &[u32],
    gamma: f32,
    n: u32,
    state: &mut ForwardState,
    history: &mut History,
) {
    for b in 0..history.instances {
        for (l, layer) in plan.layers.iter().enumerate() {
            if layer.role == NeuronRole::Input as u32 {
                continue;
            }
            for k in 0..layer.size {
                let j = layer.offset + k;
                let mut input = 0.0f32;
                for c in plan
                    .connections
                    .iter()
                    .filter(|c| c.post_layer as usize == l)
                {
                    let pre = &plan.layers[c.pre_layer as usize];
                    for i in 0..pre.size {
                        let s = (c.synapse_offset + i * layer.size + k) as usize;
                        let d = delays[s];
                        if n >= d && history.spiked(b, n - d, pre.offset + i) {
                            input = rounded(input + weights[s]);
                        }
                    }
                }
                let at = (b * plan.neurons + j) as usize;
                let mut v =
                    rounded(rounded(layer.p22 * state.v[at]) + rounded(layer.p21 * state.i[at]));
                let i_before = rounded(layer.p11 * state.i[at]);
                state.i[at] = rounded(i_before + input);
                let record = ((b * plan.steps + n) * plan.neurons + j) as usize;
                if layer.role == NeuronRole::Readout as u32 {
                    history.recorded[record] = v;
                } else {
                    history.recorded[record] = i_before;
                    let threshold = rounded(layer.theta + rounded(layer.beta * state.a[at]));
                    let distance = rounded(v - threshold).abs();
                    let closeness = rounded(1.0 - rounded(distance * layer.inv_range)).max(0.0);
                    state.psi[at] = rounded(rounded(gamma * layer.inv_range) * closeness);
                    let mut z = 0.0;
                    if v >= threshold {
                        v = layer.v_reset;
                        z = 1.0;
                        history.set_spike(b, n, j);
                    }
                    state.a[at] = rounded(rounded(layer.rho * state.a[at]) + z);
                }
                state.v[at] = v;
            }
        }
    }
}
