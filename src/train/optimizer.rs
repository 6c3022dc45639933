//! Optimisers over the flat parameter arrays, fed the batch-mean gradient.

use serde::{Deserialize, Serialize};

/// An optimiser and its step size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Optimizer {
    /// `m ← μ m + g`, `θ ← θ − η m`.
    Sgd { learning_rate: f32, momentum: f32 },
    /// Kingma & Ba 2015, with bias correction.
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
}

/// The moments of one parameter array.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerState {
    pub first: Vec<f32>,
    pub second: Vec<f32>,
    pub steps: u32,
}

impl OptimizerState {
    pub fn new(parameters: usize) -> Self {
        Self {
            first: vec![0.0; parameters],
            second: vec![0.0; parameters],
            steps: 0,
        }
    }

    /// One update of `parameters` by `gradient` (the same length).
    pub fn apply(&mut self, optimizer: Optimizer, parameters: &mut [f32], gradient: &[f32]) {
        self.steps += 1;
        match optimizer {
            Optimizer::Sgd {
                learning_rate,
                momentum,
            } => {
                for ((p, m), &g) in parameters.iter_mut().zip(&mut self.first).zip(gradient) {
                    *m = momentum * *m + g;
                    *p -= learning_rate * *m;
                }
            }
            Optimizer::Adam {
                learning_rate,
                beta1,
                beta2,
                epsilon,
            } => {
                let t = self.steps as i32;
                let correction1 = 1.0 - beta1.powi(t);
                let correction2 = 1.0 - beta2.powi(t);
                for (((p, m), v), &g) in parameters
                    .iter_mut()
                    .zip(&mut self.first)
                    .zip(&mut self.second)
                    .zip(gradient)
                {
                    *m = beta1 * *m + (1.0 - beta1) * g;
                    *v = beta2 * *v + (1.0 - beta2) * g * g;
                    *p -=
                        learning_rate * (*m / correction1) / ((*v / correction2).sqrt() + epsilon);
                }
            }
        }
    }
}
