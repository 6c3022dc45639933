//! The backward pass of EventProp (Wunderlich & Pehle 2021), one step from the end of
//! the trial toward its start, for every instance and neuron: the arithmetic
//! `shaders/train_backward.wgsl` will do, in the same order. The equations and their
//! derivation are in `src/train/eventprop.rs`.
//!
//! Each neuron carries the adjoint `(λ_V, λ_I)`: the loss's sensitivity to its
//! membrane potential and synaptic current at the current time. Step `n` takes them
//! from `t_{n+1}` back to `t_n`:
//! 1. keep `λ(t_{n+1})` in the ring (slot `n mod depth`): a presynaptic neuron whose
//!    spike arrived at `t_{n+1}` reads it when the pass reaches its spike step;
//! 2. a neuron that spiked in step `n` walks its outgoing synapses: each adds
//!    `λ_I,post` at the arrival to its weight gradient and
//!    `g = w (λ_I,post / τs − λ_V,post / cm)` to its delay gradient, and a LIF neuron's
//!    `λ_V` jumps by `λ_V ← (V̇⁺ λ_V − Σ g − ∂L/∂t) / V̇⁻` with the slopes before and
//!    after the reset;
//! 3. a readout adds the loss's `∂L/∂V(t_{n+1})`;
//! 4. `λ_V ← P22 λ_V`, `λ_I ← P21 λ_V + P11 λ_I` (the transpose of the forward step).
//!
//! Only the neuron itself writes its adjoint, its ring slot and its outgoing synapses'
//! gradients (per instance), so the pass is deterministic without atomics.

use crate::cpu::arith::rounded;
use crate::cpu::math::det_recip;
use crate::cpu::train_forward::History;
use crate::train::plan::{NeuronRole, TrainingPlan};

/// The smallest slope (mV/ms) the spike jump divides by. On the step grid the
/// threshold crossing is seen at the end of the step, where the membrane may already
/// be turning; the crossing itself had a positive slope.
pub const MIN_SLOPE: f32 = 1e-3;

/// The adjoint of every neuron of every instance, and the ring of its past values
/// (`[slot][instance][neuron]`, λ_V then λ_I).
#[derive(Debug, Clone, PartialEq)]
pub struct AdjointState {
    pub lambda_v: Vec<f32>,
    pub lambda_i: Vec<f32>,
    pub depth: u32,
    pub ring: Vec<[f32; 2]>,
}

impl AdjointState {
    pub fn new(plan: &TrainingPlan, instances: u32, depth: u32) -> Self {
        let n = (instances * plan.neurons) as usize;
        Self {
            lambda_v: vec![0.0; n],
            lambda_i: vec![0.0; n],
            depth,
            ring: vec![[0.0; 2]; n * depth as usize],
        }
    }
}

/// Per-instance gradients of the loss (`[instance][synapse]`): with respect to each
/// weight (1/nA) and each delay (1/ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients {
    pub weights: Vec<f32>,
    pub delays: Vec<f32>,
}

impl Gradients {
    pub fn new(plan: &TrainingPlan, instances: u32) -> Self {
        let n = (instances * plan.synapses) as usize;
        Self {
            weights: vec![0.0; n],
            delays: vec![0.0; n],
        }
    }
}

/// Step `n` backward. `loss` is `[instance][step][neuron of layer output]`: for a
/// readout `∂L/∂V` at `t_{n+1}`, for a LIF neuron `∂L/∂t` of its spike in step `n`.
#[allow(clippy::too_many_arguments)]
pub fn train_backward(
    plan: &TrainingPlan,
    weights: &[f32],
    delays: &[u32],
    n: u32,
    history: &History,
    output: usize,
    loss: &[f32],
    adjoint: &mut AdjointState,
    gradients: &mut Gradients,
) {
    let instances = history.instances;
    let depth = adjoint.depth;
    for b in 0..instances {
        for (l, layer) in plan.layers.iter().enumerate() {
            for k in 0..layer.size {
                let j = layer.offset + k;
                let at = (b * plan.neurons + j) as usize;
                let mut lv = adjoint.lambda_v[at];
                let li = adjoint.lambda_i[at];
                adjoint.ring[(((n % depth) * instances + b) * plan.neurons + j) as usize] =
                    [lv, li];
                let here = ((b * plan.steps + n) * plan.neurons + j) as usize;
                let out = &plan.layers[output];
                let source = if l == output {
                    loss[((b * plan.steps + n) * out.size + k) as usize]
                } else {
                    0.0
                };
                if history.spiked(b, n, j) {
                    let mut sum = 0.0f32;
                    for c in plan
                        .connections
                        .iter()
                        .filter(|c| c.pre_layer as usize == l)
                    {
                        let post = &plan.layers[c.post_layer as usize];
                        for q in 0..post.size {
                            let s = (c.synapse_offset + k * post.size + q) as usize;
                            let arrival = n + delays[s];
                            if arrival >= plan.steps {
                                continue;
                            }
                            let slot = (((arrival % depth) * instances + b) * plan.neurons
                                + post.offset
                                + q) as usize;
                            let [post_lv, post_li] = adjoint.ring[slot];
                            let g = rounded(
                                weights[s]
                                    * rounded(
                                        rounded(post_li * post.inv_tau_syn)
                                            - rounded(post_lv * post.inv_cm),
                                    ),
                            );
                            let gs = (b * plan.synapses) as usize + s;
                            gradients.weights[gs] = rounded(gradients.weights[gs] + post_li);
                            gradients.delays[gs] = rounded(gradients.delays[gs] + g);
                            sum = rounded(sum + g);
                        }
                    }
                    if layer.role == NeuronRole::Lif as u32 {
                        let current = rounded(history.recorded[here] * layer.inv_cm);
                        let before = rounded(current - rounded(layer.theta * layer.inv_tau_m));
                        let after = rounded(current - rounded(layer.v_reset * layer.inv_tau_m));
                        let dl_dt = rounded(sum + source);
                        let inv_slope = det_recip(before.max(MIN_SLOPE));
                        lv = rounded(rounded(rounded(after * lv) - dl_dt) * inv_slope);
                    }
                }
                if layer.role == NeuronRole::Input as u32 {
                    continue;
                }
                if layer.role == NeuronRole::Readout as u32 {
                    lv = rounded(lv + source);
                }
                adjoint.lambda_v[at] = rounded(layer.p22 * lv);
                adjoint.lambda_i[at] = rounded(rounded(layer.p21 * lv) + rounded(layer.p11 * li));
            }
        }
    }
}
