//! e-prop (Bellec et al. 2020), one step for every instance and neuron, after the
//! forward step: the arithmetic `shaders/train_eprop.wgsl` does, in the same order.
//!
//! The loss is the cross-entropy of the readouts' softmax at every step
//! (`Loss::CrossEntropyPerStep`), so the output error of step `n`,
//! `δ_k = (softmax_k(V(t_{n+1})) − [k = label]) / T`, is known at that step. Each
//! synapse keeps, per instance, eligibility vectors that follow its postsynaptic
//! neuron's dynamics with the presynaptic arrivals as input (the same propagators):
//! `ε_V ← P22 ε_V + P21 ε_I`, `ε_I ← P11 ε_I + x`. Then:
//! - onto a readout, `ε_V` is exactly `∂V/∂w`, and the gradient adds `δ_k ε_V`;
//! - onto a LIF or ALIF neuron, the eligibility trace is
//!   `e = ψ (ε_V − β ε_a)`, `ε_a ← ρ ε_a + e` (ψ the pseudo-derivative of the step's
//!   spike, from the forward pass; β = 0 for LIF), filtered as the readouts filter
//!   spikes (`ē_V ← R22 ē_V + R21 ē_I`, `ē_I ← R11 ē_I + e`, the output layer's
//!   propagators, without the readout synapses' delay), and the gradient adds
//!   `L_j ē_V` with the learning signal `L_j = Σ_k B_jk δ_k`. `B` is the feedback
//!   matrix: the readout weights (symmetric e-prop) or fixed random weights.
//!
//! As in Bellec et al., the eligibility ignores the reset. Softmax uses `det_exp`
//! and `det_recip`, whose bits are the same on every device.

use crate::cpu::arith::rounded;
use crate::cpu::math::{det_exp, det_recip};
use crate::cpu::train_backward::Gradients;
use crate::cpu::train_forward::History;
use crate::train::plan::{NeuronRole, TrainingPlan};

/// Per instance and synapse: (ε_V, ε_I, ε_a, ē_V, ē_I).
pub type Eligibility = [f32; 5];

/// What a step of e-prop reads besides the plan and the history.
pub struct EpropInputs<'a> {
    pub delays: &'a [u32],
    /// `[instance][neuron]`: the forward step's pseudo-derivatives.
    pub psi: &'a [f32],
    /// One class per instance.
    pub labels: &'a [u32],
    /// `[neuron][output]`: the learning signal's weights.
    pub feedback: &'a [f32],
    /// The readout layer the loss reads.
    pub output: usize,
    /// 1 / steps.
    pub inv_steps: f32,
}

/// The output errors `δ_k` of instance `b` at step `n`.
pub fn output_errors(
    plan: &TrainingPlan,
    history: &History,
    x: &EpropInputs<'_>,
    b: u32,
    n: u32,
) -> Vec<f32> {
    let out = &plan.layers[x.output];
    let v = |k: u32| history.recorded_at(b, n, out.offset + k);
    let mut top = f32::MIN;
    for k in 0..out.size {
        top = top.max(v(k));
    }
    let mut total = 0.0f32;
    for k in 0..out.size {
        total = rounded(total + det_exp(rounded(v(k) - top)));
    }
    let inv_total = det_recip(total);
    (0..out.size)
        .map(|k| {
            let p = rounded(det_exp(rounded(v(k) - top)) * inv_total);
            let y = if k == x.labels[b as usize] { 1.0 } else { 0.0 };
            rounded(rounded(p - y) * x.inv_steps)
        })
        .collect()
}

/// Step `n` of e-prop for every instance and neuron.
pub fn train_eprop(
    plan: &TrainingPlan,
    n: u32,
    history: &History,
    x: &EpropInputs<'_>,
    eligibility: &mut [Eligibility],
    gradients: &mut Gradients,
) {
    let out = plan.layers[x.output];
    for b in 0..history.instances {
        let delta = output_errors(plan, history, x, b, n);
        for (l, layer) in plan.layers.iter().enumerate() {
            if layer.role == NeuronRole::Input as u32 {
                continue;
            }
            let readout = layer.role == NeuronRole::Readout as u32;
            for k in 0..layer.size {
                let j = layer.offset + k;
                let at = (b * plan.neurons + j) as usize;
                let mut signal = 0.0f32;
                if readout {
                    if l == x.output {
                        signal = delta[k as usize];
                    }
                } else {
                    for (c, d) in delta.iter().enumerate() {
                        signal = rounded(
                            signal + rounded(x.feedback[j as usize * out.size as usize + c] * d),
                        );
                    }
                }
                let psi = x.psi[at];
                for c in plan
                    .connections
                    .iter()
                    .filter(|c| c.post_layer as usize == l)
                {
                    let pre = &plan.layers[c.pre_layer as usize];
                    for i in 0..pre.size {
                        let s = (c.synapse_offset + i * layer.size + k) as usize;
                        let d = x.delays[s];
                        let arrived = if n >= d && history.spiked(b, n - d, pre.offset + i) {
                            1.0
                        } else {
                            0.0
                        };
                        let g = (b * plan.synapses) as usize + s;
                        let [ev, ei, ea, bv, bi] = eligibility[g];
                        let ev = rounded(rounded(layer.p22 * ev) + rounded(layer.p21 * ei));
                        let ei = rounded(rounded(layer.p11 * ei) + arrived);
                        if readout {
                            eligibility[g] = [ev, ei, ea, bv, bi];
                            gradients.weights[g] =
                                rounded(gradients.weights[g] + rounded(signal * ev));
                            continue;
                        }
                        let e = rounded(psi * rounded(ev - rounded(layer.beta * ea)));
                        let ea = rounded(rounded(layer.rho * ea) + e);
                        let bv = rounded(rounded(out.p22 * bv) + rounded(out.p21 * bi));
                        let bi = rounded(rounded(out.p11 * bi) + e);
                        eligibility[g] = [ev, ei, ea, bv, bi];
                        gradients.weights[g] = rounded(gradients.weights[g] + rounded(signal * bv));
                    }
                }
            }
        }
    }
}
