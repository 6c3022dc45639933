//! EventProp (Wunderlich & Pehle 2021): exact gradients of a loss for networks of LIF
//! neurons, from an adjoint system integrated backward in time that jumps only at
//! the recorded spikes.
//!
//! # The model and its adjoint
//!
//! Each neuron (potential `V` relative to rest, current `I`) follows
//! `dV/dt = −V/τm + I/cm`, `dI/dt = −I/τs`; a spike of presynaptic neuron `i` at
//! `t_k` adds `w_ji` to `I_j` at `t_k + d_ji`; a LIF neuron reaching `θ` spikes and is
//! set to `V_r`. The loss is `L = Σ_k l_p(t_k) + Σ_n l_V(V(t_n))` (spike times and
//! sampled potentials, `src/train/loss.rs`).
//!
//! With `λ(t) = ∂L/∂(V, I)(t)`, the sensitivity of the loss to the state at `t`, the
//! adjoint runs from `λ(T) = 0` backward:
//! - between events, `−dλ_V/dt = −λ_V/τm + ∂l_V/∂V`, `−dλ_I/dt = λ_V/cm − λ_I/τs`
//!   (the transpose of the forward dynamics; over one step exactly
//!   `λ_V(t_n) = P22 λ_V(t_{n+1})`, `λ_I(t_n) = P21 λ_V + P11 λ_I`);
//! - a sampled potential adds `∂l_V/∂V` to `λ_V` at its time;
//! - at a spike of neuron `j` at `t_k`: shifting `t_k` by `δt` shifts the reset
//!   (`δV⁺ = −V̇⁺ δt`) and every arrival it causes, and an arrival of weight `w` at
//!   neuron `i` shifted by `δt` changes `i`'s state after it by
//!   `δt (−w/cm, w/τs)`; with `δt = −δV⁻/V̇⁻`,
//!   `λ_V⁻ = (V̇⁺ λ_V⁺ − Σ_i w_ij (λ_I,i/τs − λ_V,i/cm)(t_k + d_ij) − ∂l_p/∂t_k) / V̇⁻`,
//!   where `V̇∓ = −(θ | V_r)/τm + I/cm` are the slopes before and after the reset
//!   (`λ_I` is continuous);
//! - the gradients collect at each arrival `t_a`: `∂L/∂w_ij += λ_I,j(t_a)`,
//!   `∂L/∂d_ij += w_ij (λ_I,j/τs − λ_V,j/cm)(t_a)`.
//!
//! # On the step grid
//!
//! The forward pass is neurodyn's exact-integration step (`src/cpu/train_forward.rs`):
//! spikes are seen at the end of the step that crosses threshold, and arrive a whole
//! number of steps later. The backward pass (`src/cpu/train_backward.rs`) applies the
//! equations above at those times, with the slope `V̇⁻` from the current just before
//! the step's input; so the gradient is that of the continuous model up to the
//! step's resolution of spike times (tested against finite differences of an exact
//! event-driven simulation, `tests/eventprop.rs`). A trial keeps its spike bits and
//! one value per neuron and step (the backward pass needs it only at spikes), not the
//! neurons' whole state.

use super::plan::TrainingPlan;
use crate::cpu::train_backward::{train_backward, AdjointState, Gradients};
use crate::cpu::train_forward::History;

/// The backward pass of a trial on the CPU reference: per-instance gradients.
pub fn backward_cpu(
    plan: &TrainingPlan,
    weights: &[f32],
    delays: &[u32],
    history: &History,
    output: usize,
    sources: &[f32],
) -> Gradients {
    let instances = history.instances;
    let mut adjoint = AdjointState::new(plan, instances, plan.ring_depth(delays));
    let mut gradients = Gradients::new(plan, instances);
    for n in (0..plan.steps).rev() {
        train_backward(
            plan,
            weights,
            delays,
            n,
            history,
            output,
            sources,
            &mut adjoint,
            &mut gradients,
        );
    }
    gradients
}
