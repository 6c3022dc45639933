//! Optimisers over the flat parameter arrays. The step itself is a kernel
//! (`shaders/train_optimize.wgsl`) with its CPU twin (`src/cpu/train_optimize.rs`);
//! this file turns an [`Optimizer`] into the constants of one step.

use serde::{Deserialize, Serialize};

use super::network::TrainError;
use crate::cpu::train_optimize::{OptimizeConfig, OPTIMIZER_ADAM, OPTIMIZER_SGD};

/// An optimiser and its step size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Optimizer {
    /// `m ← μ m + g`, `θ ← θ − η m`.
    Sgd { learning_rate: f32, momentum: f32 },
    /// Kingma & Ba 2015, with bias correction: `m ← β1 m + (1 − β1) g`,
    /// `v ← β2 v + (1 − β2) g²`, `θ ← θ − η m̂ / (√v̂ + ε)`.
    Adam {
        learning_rate: f32,
        beta1: f32,
        beta2: f32,
        epsilon: f32,
    },
}

impl Optimizer {
    pub fn adam(learning_rate: f32) -> Self {
        Optimizer::Adam {
            learning_rate,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }

    /// Refuses parameters that would make the step infinite or NaN.
    pub fn validate(self, field: &str) -> Result<(), TrainError> {
        let check = |name: &str, value: f32, ok: bool, expected: &'static str| {
            if value.is_finite() && ok {
                Ok(())
            } else {
                Err(TrainError::Parameter {
                    field: format!("{field}.{name}"),
                    expected,
                    value: f64::from(value),
                })
            }
        };
        let (Optimizer::Sgd { learning_rate, .. } | Optimizer::Adam { learning_rate, .. }) = self;
        check(
            "learning_rate",
            learning_rate,
            learning_rate >= 0.0,
            "finite and ≥ 0",
        )?;
        let fraction =
            |name: &str, value: f32| check(name, value, (0.0..1.0).contains(&value), "in [0, 1)");
        match self {
            Optimizer::Sgd { momentum, .. } => fraction("momentum", momentum),
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
                ..
            } => {
                fraction("beta1", beta1)?;
                fraction("beta2", beta2)?;
                check("epsilon", epsilon, epsilon > 0.0, "finite and > 0")
            }
        }
    }

    /// The constants of step `t` (from 1) over `count` parameters whose gradients
    /// are component `component` of `[instance][stride]` pairs, kept ≥ `floor`.
    pub fn step(
        self,
        t: u32,
        count: u32,
        instances: u32,
        stride: u32,
        component: u32,
        floor: f32,
    ) -> OptimizeConfig {
        let mut c = OptimizeConfig {
            zero: 0,
            kind: OPTIMIZER_SGD,
            count,
            instances,
            stride,
            component,
            inv_instances: (1.0 / f64::from(instances.max(1))) as f32,
            learning_rate: 0.0,
            beta1: 0.0,
            one_minus_beta1: 0.0,
            beta2: 0.0,
            one_minus_beta2: 0.0,
            epsilon: 0.0,
            inv_correction1: 1.0,
            inv_correction2: 1.0,
            floor,
        };
        match self {
            Optimizer::Sgd {
                learning_rate,
                momentum,
            } => {
                c.learning_rate = learning_rate;
                c.beta1 = momentum;
            }
            Optimizer::Adam {
                learning_rate,
                beta1,
                beta2,
                epsilon,
            } => {
                let correction = |beta: f32| (1.0 / (1.0 - f64::from(beta).powi(t as i32))) as f32;
                c.kind = OPTIMIZER_ADAM;
                c.learning_rate = learning_rate;
                c.beta1 = beta1;
                c.one_minus_beta1 = (1.0 - f64::from(beta1)) as f32;
                c.beta2 = beta2;
                c.one_minus_beta2 = (1.0 - f64::from(beta2)) as f32;
                c.epsilon = epsilon;
                c.inv_correction1 = correction(beta1);
                c.inv_correction2 = correction(beta2);
            }
        }
        c
    }
}

/// The moments of one parameter array on the CPU reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    pub first: Vec<f32>,
    pub second: Vec<f32>,
}

impl Moments {
    pub fn new(parameters: usize) -> Self {
        Self {
            first: vec![0.0; parameters],
            second: vec![0.0; parameters],
        }
    }
}
