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
//! event-driven simulation, `tests/eventprop.rs`). Memory grows with the trial's steps
//! (spike bits, and one value per neuron and step), not with stored state histories.

use super::dataset::{EventDataset, Sample};
use super::loss::{Loss, LossValue, Targets};
use super::network::{LayerKind, TrainError, TrainingNetwork};
use super::optimizer::{Moments, Optimizer};
use super::plan::{delay_steps, TrainingPlan};
use crate::cpu::train_backward::{train_backward, AdjointState, Gradients};
use crate::cpu::train_forward::{train_forward, ForwardState, History};
use crate::cpu::train_optimize::{batch_mean, train_optimize};
use crate::error::Error;
use crate::gpu::{GpuContext, GpuTrainer};
use crate::simulation::Backend;

/// How a network is trained.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingConfig {
    pub loss: Loss,
    /// The layer the loss reads.
    pub output: String,
    pub optimizer: Optimizer,
    /// The delays' optimiser (its rate in ms per unit gradient); `None` keeps them
    /// fixed. Delays stay at least one step.
    pub delay_optimizer: Option<Optimizer>,
    /// Samples per batch: the instances run side by side.
    pub batch_size: u32,
}

/// A network, its parameters and the optimiser's state, on the GPU or the CPU
/// reference (the same arithmetic: identical spikes and bit-identical gradients).
pub struct Trainer {
    pub network: TrainingNetwork,
    pub plan: TrainingPlan,
    pub config: TrainingConfig,
    /// The plan's flat arrays: one weight (nA) and one delay (ms) per synapse.
    pub weights: Vec<f32>,
    pub delays_ms: Vec<f32>,
    input: usize,
    output: usize,
    /// The optimiser's moments on the CPU reference (on the GPU they live on the
    /// device).
    weight_moments: Moments,
    delay_moments: Moments,
    /// Optimiser steps taken.
    updates: u32,
    engine: Engine,
}

enum Engine {
    Cpu,
    /// Made at the first batch, and again when learnt delays outgrow its ring.
    Gpu {
        adapter: Option<String>,
        trainer: Option<Box<GpuTrainer>>,
    },
}

/// The outcome of one batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResult {
    /// Mean loss over the batch.
    pub loss: f64,
    /// Samples whose prediction equals their label.
    pub correct: u32,
    pub samples: u32,
}

/// The batch-mean gradient and what produced it.
#[derive(Debug, Clone)]
pub struct BatchGradient {
    pub weights: Vec<f32>,
    pub delays: Vec<f32>,
    /// Each instance's own gradient (`[instance][synapse]`).
    pub per_instance: Gradients,
    pub loss: LossValue,
    pub history: History,
}

impl Trainer {
    pub fn new(
        network: TrainingNetwork,
        config: TrainingConfig,
        backend: Backend,
    ) -> Result<Self, TrainError> {
        let plan = TrainingPlan::new(&network)?;
        let inputs: Vec<usize> = (0..network.layers.len())
            .filter(|&l| matches!(network.layers[l].kind, LayerKind::Input))
            .collect();
        if inputs.len() != 1 {
            return Err(TrainError::Structure {
                field: "layers".into(),
                reason: format!(
                    "training needs exactly one input layer, not {}",
                    inputs.len()
                ),
            });
        }
        let output =
            network
                .layer_index(&config.output)
                .ok_or_else(|| TrainError::UnknownLayer {
                    field: "output".into(),
                    name: config.output.clone(),
                    known: network
                        .layers
                        .iter()
                        .map(|l| l.name.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
        if config.batch_size == 0 {
            return Err(TrainError::Parameter {
                field: "batch_size".into(),
                expected: "at least 1",
                value: 0.0,
            });
        }
        let weights: Vec<f32> = (0..network.connections.len())
            .flat_map(|c| network.initial_weights(c))
            .collect();
        let delays_ms: Vec<f32> = (0..network.connections.len())
            .flat_map(|c| network.initial_delays(c))
            .collect();
        Ok(Self {
            weight_moments: Moments::new(weights.len()),
            delay_moments: Moments::new(delays_ms.len()),
            updates: 0,
            network,
            plan,
            config,
            weights,
            delays_ms,
            input: inputs[0],
            output,
            engine: match backend {
                Backend::Cpu => Engine::Cpu,
                Backend::Gpu => Engine::Gpu {
                    adapter: None,
                    trainer: None,
                },
                Backend::GpuNamed(name) => Engine::Gpu {
                    adapter: Some(name),
                    trainer: None,
                },
            },
        })
    }

    /// Runs `samples` forward (one instance each).
    pub fn forward(&mut self, samples: &[&Sample]) -> Result<History, Error> {
        let instances = samples.len() as u32;
        let delays = delay_steps(&self.delays_ms, self.plan.dt_ms);
        let mut history = History::new(&self.plan, instances);
        EventDataset::write_input_spikes(
            samples,
            self.plan.dt_ms,
            self.plan.steps,
            self.plan.words(),
            self.plan.layers[self.input].offset,
            &mut history.spikes,
        );
        self.prepare_gpu(instances, &delays)?;
        match &self.engine {
            Engine::Gpu {
                trainer: Some(gpu), ..
            } => gpu.forward(&self.weights, &delays, &mut history)?,
            _ => {
                let mut state = ForwardState::new(&self.plan, instances);
                for n in 0..self.plan.steps {
                    train_forward(
                        &self.plan,
                        &self.weights,
                        &delays,
                        n,
                        &mut state,
                        &mut history,
                    );
                }
            }
        }
        Ok(history)
    }

    /// Makes the GPU trainer, or remakes it where it cannot take this batch (nothing
    /// on the CPU reference).
    fn prepare_gpu(&mut self, instances: u32, delays: &[u32]) -> Result<(), Error> {
        let Engine::Gpu { adapter, trainer } = &mut self.engine else {
            return Ok(());
        };
        let longest = delays.iter().copied().max().unwrap_or(1);
        let fits = trainer
            .as_ref()
            .is_some_and(|t| t.capacity() >= instances && t.max_delay_steps() >= longest);
        if !fits {
            let capacity = instances.max(self.config.batch_size);
            // Room for delays to grow by half before the ring must be remade.
            let depth = longest + longest / 2;
            let moments = trainer.as_ref().map(|t| t.moments()).transpose()?;
            let ctx = GpuContext::new(adapter.as_deref())?;
            *trainer = Some(Box::new(GpuTrainer::new(
                ctx, &self.plan, capacity, depth, moments,
            )?));
        }
        Ok(())
    }

    /// The loss of `samples` against `targets` and its gradient, averaged over the
    /// samples (summed over instances in index order, then times 1/B, as the
    /// optimiser takes it).
    pub fn gradient(
        &mut self,
        samples: &[&Sample],
        targets: &Targets<'_>,
    ) -> Result<BatchGradient, Error> {
        let (history, loss) = self.forward_and_loss(samples, targets)?;
        let per_instance = self
            .backward(&history, &loss.sources, true)?
            .expect("read back");
        let instances = history.instances;
        let mean = |component: u32, per: &[f32]| -> Vec<f32> {
            let c = self.config.optimizer.step(
                1,
                self.plan.synapses,
                instances,
                self.plan.synapses,
                component,
                f32::MIN,
            );
            (0..self.plan.synapses as usize)
                .map(|s| batch_mean(&c, per, s))
                .collect()
        };
        Ok(BatchGradient {
            weights: mean(0, &per_instance.weights),
            delays: mean(1, &per_instance.delays),
            per_instance,
            loss,
            history,
        })
    }

    fn forward_and_loss(
        &mut self,
        samples: &[&Sample],
        targets: &Targets<'_>,
    ) -> Result<(History, LossValue), Error> {
        let history = self.forward(samples)?;
        let loss = self
            .config
            .loss
            .evaluate(&self.plan, self.output, &history, targets)?;
        Ok((history, loss))
    }

    /// The backward pass over the trial `history` records; the per-instance gradients
    /// where `read` (on the GPU they otherwise stay on the device for the optimiser).
    fn backward(
        &mut self,
        history: &History,
        sources: &[f32],
        read: bool,
    ) -> Result<Option<Gradients>, Error> {
        let delays = delay_steps(&self.delays_ms, self.plan.dt_ms);
        let instances = history.instances;
        self.prepare_gpu(instances, &delays)?;
        if let Engine::Gpu {
            trainer: Some(gpu), ..
        } = &self.engine
        {
            gpu.backward(&self.weights, &delays, instances, sources)?;
            return if read {
                gpu.gradients(instances).map(Some)
            } else {
                Ok(None)
            };
        }
        let mut adjoint = AdjointState::new(&self.plan, instances, self.plan.ring_depth(&delays));
        let mut per_instance = Gradients::new(&self.plan, instances);
        for n in (0..self.plan.steps).rev() {
            train_backward(
                &self.plan,
                &self.weights,
                &delays,
                n,
                history,
                sources,
                &mut adjoint,
                &mut per_instance,
            );
        }
        Ok(Some(per_instance))
    }

    /// One optimiser step on a batch of labelled samples: forward, loss, backward and
    /// the update, on the device where the trainer runs on the GPU.
    pub fn train_batch(&mut self, samples: &[&Sample]) -> Result<BatchResult, Error> {
        let labels: Vec<u32> = samples.iter().map(|s| s.label).collect();
        let (history, loss) = self.forward_and_loss(samples, &Targets::Labels(&labels))?;
        let on_gpu = matches!(self.engine, Engine::Gpu { .. });
        let per_instance = self.backward(&history, &loss.sources, !on_gpu)?;
        self.updates += 1;
        let (t, b, s) = (self.updates, history.instances, self.plan.synapses);
        let weights = self.config.optimizer.step(t, s, b, s, 0, f32::MIN);
        let delays = self
            .config
            .delay_optimizer
            .map(|o| o.step(t, s, b, s, 1, self.plan.dt_ms as f32));
        match (&self.engine, per_instance) {
            (
                Engine::Gpu {
                    trainer: Some(gpu), ..
                },
                _,
            ) => {
                let (w, d) = gpu.optimize(
                    &weights,
                    delays.as_ref().map(|c| (c, self.delays_ms.as_slice())),
                )?;
                self.weights = w;
                if let Some(d) = d {
                    self.delays_ms = d;
                }
            }
            (_, Some(g)) => {
                let m = &mut self.weight_moments;
                train_optimize(
                    &weights,
                    &g.weights,
                    &mut self.weights,
                    &mut m.first,
                    &mut m.second,
                );
                if let Some(c) = delays {
                    let m = &mut self.delay_moments;
                    train_optimize(
                        &c,
                        &g.delays,
                        &mut self.delays_ms,
                        &mut m.first,
                        &mut m.second,
                    );
                }
            }
            _ => unreachable!("the GPU trainer exists after a backward pass"),
        }
        Ok(result(&loss, &labels))
    }

    /// The loss and accuracy of labelled samples, without learning.
    pub fn evaluate(&mut self, samples: &[&Sample]) -> Result<BatchResult, Error> {
        let labels: Vec<u32> = samples.iter().map(|s| s.label).collect();
        let history = self.forward(samples)?;
        let loss = self.config.loss.evaluate(
            &self.plan,
            self.output,
            &history,
            &Targets::Labels(&labels),
        )?;
        Ok(result(&loss, &labels))
    }

    /// One pass over `dataset` in batches of the configured size (the last batch may be
    /// smaller), in the dataset's order; returns the epoch's summed result.
    pub fn train_epoch(&mut self, dataset: &EventDataset) -> Result<BatchResult, Error> {
        self.check(dataset).map_err(Error::Train)?;
        let mut total = BatchResult {
            loss: 0.0,
            correct: 0,
            samples: 0,
        };
        for batch in dataset.samples.chunks(self.config.batch_size as usize) {
            let refs: Vec<&Sample> = batch.iter().collect();
            accumulate(&mut total, self.train_batch(&refs)?);
        }
        total.loss /= f64::from(total.samples.max(1));
        Ok(total)
    }

    /// The accuracy over `dataset`, in batches, without learning.
    pub fn test(&mut self, dataset: &EventDataset) -> Result<BatchResult, Error> {
        self.check(dataset).map_err(Error::Train)?;
        let mut total = BatchResult {
            loss: 0.0,
            correct: 0,
            samples: 0,
        };
        for batch in dataset.samples.chunks(self.config.batch_size as usize) {
            let refs: Vec<&Sample> = batch.iter().collect();
            accumulate(&mut total, self.evaluate(&refs)?);
        }
        total.loss /= f64::from(total.samples.max(1));
        Ok(total)
    }

    fn check(&self, dataset: &EventDataset) -> Result<(), TrainError> {
        let inputs = self.network.layers[self.input].size;
        let outputs = self.network.layers[self.output].size;
        if dataset.channels > inputs || dataset.classes > outputs {
            return Err(TrainError::Dataset(format!(
                "{} channels and {} classes, but the input layer has {inputs} neurons and the output {outputs}",
                dataset.channels, dataset.classes
            )));
        }
        Ok(())
    }

    /// The weights of connection `c` (pre-major).
    pub fn connection_weights(&self, c: usize) -> &[f32] {
        &self.weights[self.plan.connection_synapses(c)]
    }
}

fn result(loss: &LossValue, labels: &[u32]) -> BatchResult {
    BatchResult {
        loss: loss.losses.iter().sum::<f64>() / loss.losses.len().max(1) as f64,
        correct: loss
            .predictions
            .iter()
            .zip(labels)
            .filter(|(p, l)| p == l)
            .count() as u32,
        samples: labels.len() as u32,
    }
}

fn accumulate(total: &mut BatchResult, batch: BatchResult) {
    total.loss += batch.loss * f64::from(batch.samples);
    total.correct += batch.correct;
    total.samples += batch.samples;
}

impl BatchResult {
    pub fn accuracy(&self) -> f64 {
        f64::from(self.correct) / f64::from(self.samples.max(1))
    }
}
