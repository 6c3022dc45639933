//! The optimiser step of training, one parameter at a time: the batch-mean gradient
//! (instances summed in order, times 1/B) and an SGD-with-momentum or Adam update,
//! the arithmetic `shaders/train_optimize.wgsl` does, in the same order. Adam's
//! square root and division are `det_sqrt` and `det_recip` (WGSL's have
//! implementation-defined accuracy); its bias corrections come from the host.

use bytemuck::{Pod, Zeroable};

use crate::cpu::arith::rounded;
use crate::cpu::math::{det_recip, det_sqrt};

pub const OPTIMIZER_SGD: u32 = 0;
pub const OPTIMIZER_ADAM: u32 = 1;

/// `OptimizeConfig` of `shaders/train_optimize.wgsl`: one optimiser step over one
/// parameter array.
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
#[repr(C)]
pub struct OptimizeConfig {
    pub zero: u32,
    /// `OPTIMIZER_SGD` or `OPTIMIZER_ADAM`.
    pub kind: u32,
    pub count: u32,
    pub instances: u32,
    /// Gradients of instance `b` start at `b * stride`.
    pub stride: u32,
    /// Which gradient of the (weight, delay) pair.
    pub component: u32,
    pub inv_instances: f32,
    pub learning_rate: f32,
    /// SGD's momentum, or Adam's β1.
    pub beta1: f32,
    pub one_minus_beta1: f32,
    pub beta2: f32,
    pub one_minus_beta2: f32,
    pub epsilon: f32,
    /// Adam's 1 / (1 − β^t).
    pub inv_correction1: f32,
    pub inv_correction2: f32,
    /// Parameters stay at or above this (delays: one step).
    pub floor: f32,
}

/// The batch mean of parameter `s`'s gradient; `gradients` is `[instance][stride]`.
pub fn batch_mean(config: &OptimizeConfig, gradients: &[f32], s: usize) -> f32 {
    let mut g = 0.0f32;
    for b in 0..config.instances as usize {
        g = rounded(g + gradients[b * config.stride as usize + s]);
    }
    rounded(g * config.inv_instances)
}

/// One step of every parameter.
pub fn train_optimize(
    config: &OptimizeConfig,
    gradients: &[f32],
    parameters: &mut [f32],
    first: &mut [f32],
    second: &mut [f32],
) {
    for s in 0..config.count as usize {
        let g = batch_mean(config, gradients, s);
        let mut p = parameters[s];
        if config.kind == OPTIMIZER_SGD {
            let m = rounded(rounded(config.beta1 * first[s]) + g);
            first[s] = m;
            p = rounded(p - rounded(config.learning_rate * m));
        } else {
            let m = rounded(rounded(config.beta1 * first[s]) + rounded(config.one_minus_beta1 * g));
            let v = rounded(
                rounded(config.beta2 * second[s])
                    + rounded(config.one_minus_beta2 * rounded(g * g)),
            );
            first[s] = m;
            second[s] = v;
            let m_hat = rounded(m * config.inv_correction1);
            let v_hat = rounded(v * config.inv_correction2);
            let scale = det_recip(rounded(det_sqrt(v_hat) + config.epsilon));
            p = rounded(p - rounded(rounded(config.learning_rate * m_hat) * scale));
        }
        // Not `max`: a NaN must stay NaN to be reported, not become the floor.
        parameters[s] = if p < config.floor { config.floor } else { p };
    }
}
