//! The trainer: a training network's parameters and optimiser state, and batches run
//! forward, through the loss and the chosen method's gradient (EventProp,
//! `eventprop.rs`; e-prop, `eprop.rs`) to an optimiser step, on the GPU or the CPU
//! reference.

use super::dataset::{EventDataset, Sample};
use super::eprop::{feedback_matrix, forward_eprop_cpu, Feedback, Method};
use super::eventprop::backward_cpu;
use super::loss::{Loss, LossValue, Targets};
use super::network::{LayerKind, TrainError, TrainingNetwork};
use super::optimizer::{Moments, Optimizer};
use super::plan::{delay_steps, TrainingPlan};
use crate::cpu::rng::HostStream;
use crate::cpu::train_backward::Gradients;
use crate::cpu::train_eprop::EpropInputs;
use crate::cpu::train_forward::{train_forward, ForwardState, History};
use crate::cpu::train_optimize::{batch_mean, train_optimize};
use crate::cpu::train_output::{train_output, OutputRecord};
use crate::error::Error;
use crate::gpu::{GpuContext, GpuTrainer, GpuTrainerSizes, Readback};
use crate::simulation::Backend;

/// How a network is trained.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingConfig {
    pub method: Method,
    pub loss: Loss,
    /// The layer the loss reads.
    pub output: String,
    pub optimizer: Optimizer,
    /// The delays' optimiser (its rate in ms per unit gradient); `None` keeps them
    /// fixed. Delays stay at least one step.
    pub delay_optimizer: Option<Optimizer>,
    /// Samples per batch: the instances run side by side.
    pub batch_size: u32,
    /// Whether `train_epoch` visits the samples in a new order each epoch (as
    /// stochastic gradient descent assumes), drawn from the network's seed and the
    /// epoch's number by the counter-based generator: the same orders on both
    /// backends and run to run. Off: the dataset's order every epoch.
    pub shuffle: bool,
}

/// A network, its parameters and the optimiser's state, on the GPU or the CPU
/// reference (the same arithmetic: identical spikes and bit-identical gradients).
pub struct Trainer {
    /// To read: a changed network is refused at the next run (make a new trainer).
    pub network: TrainingNetwork,
    /// Made from `network` (read it with `plan()`: an edit would not be checked).
    plan: TrainingPlan,
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
    /// Epochs `train_epoch` has run (the shuffle's counter).
    epochs: u32,
    /// Random e-prop's fixed feedback matrix.
    random_feedback: Option<Vec<f32>>,
    /// The method and output layer the trainer was made for (its feedback matrix and
    /// buffers are theirs).
    made_for: (Method, String),
    /// The network the plan, buffers and initial weights were made from: `network`
    /// is public to read, and a change to it would not reach them.
    made_from: TrainingNetwork,
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
    /// The plan the trainer was made with (steps, layers, synapse ranges).
    pub fn plan(&self) -> &TrainingPlan {
        &self.plan
    }

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
        let output = check_config(&network, &plan, &config)?;
        // The device itself is opened at the first batch; a missing or misnamed
        // adapter is found now (adapters are listed, none opened).
        let wanted = match &backend {
            Backend::Cpu => None,
            Backend::Gpu => Some(None),
            Backend::GpuNamed(name) => Some(Some(name.as_str())),
        };
        if let Some(Err(e)) = wanted.map(crate::gpu::choose_adapter) {
            return Err(TrainError::Structure {
                field: "backend".into(),
                reason: e.to_string(),
            });
        }
        let weights: Vec<f32> = (0..network.connections.len())
            .flat_map(|c| network.initial_weights(c))
            .collect();
        let delays_ms: Vec<f32> = (0..network.connections.len())
            .flat_map(|c| network.initial_delays(c))
            .collect();
        let random_feedback = match config.method {
            Method::Eprop(e) => match e.feedback {
                Feedback::Random { sd } => Some(feedback_matrix(
                    &plan,
                    &weights,
                    output,
                    Feedback::Random { sd },
                    network.seed,
                )),
                Feedback::Symmetric => None,
            },
            Method::EventProp => None,
        };
        Ok(Self {
            random_feedback,
            made_for: (config.method, config.output.clone()),
            made_from: network.clone(),
            weight_moments: Moments::new(weights.len()),
            delay_moments: Moments::new(delays_ms.len()),
            updates: 0,
            epochs: 0,
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

    /// Runs `samples` forward (one instance each): every neuron's spikes and records.
    pub fn forward(&mut self, samples: &[&Sample]) -> Result<History, Error> {
        Ok(self.run_forward(samples, None, Readback::All)?.0)
    }

    /// A trial forward, with e-prop's step after each forward step where `eprop`
    /// gives the labels and feedback matrix: the output layer's record for the loss,
    /// and the history (whole on the CPU, and on the GPU with `Readback::All`; on the
    /// GPU otherwise only its input spikes). e-prop's gradients on the CPU; on the GPU
    /// they stay on the device.
    fn run_forward(
        &mut self,
        samples: &[&Sample],
        eprop: Option<(&[u32], &[f32])>,
        readback: Readback,
    ) -> Result<(History, OutputRecord, Option<Gradients>), Error> {
        self.check_settings()?;
        let delays = self.delays();
        let mut history = self.input_history(samples)?;
        let instances = history.instances;
        self.prepare_gpu(instances, &delays)?;
        if let Engine::Gpu {
            trainer: Some(gpu), ..
        } = &self.engine
        {
            let record = gpu.forward(&self.weights, &delays, &mut history, eprop, readback)?;
            return Ok((history, record, None));
        }
        let gradients = match eprop {
            Some((labels, feedback)) => {
                let inputs = EpropInputs {
                    delays: &delays,
                    psi: &[],
                    labels,
                    feedback,
                    output: self.output,
                    inv_steps: (1.0 / f64::from(self.plan.steps)) as f32,
                };
                Some(forward_eprop_cpu(
                    &self.plan,
                    &self.weights,
                    self.gamma(),
                    &inputs,
                    &mut history,
                ))
            }
            None => {
                let mut state = ForwardState::new(&self.plan, instances);
                for n in 0..self.plan.steps {
                    train_forward(
                        &self.plan,
                        &self.weights,
                        &delays,
                        self.gamma(),
                        n,
                        &mut state,
                        &mut history,
                    );
                }
                None
            }
        };
        let record = train_output(&self.plan, self.output, &history);
        Ok((history, record, gradients))
    }

    /// The delays in steps, each connection marked with the delay its synapses share
    /// (if they do).
    fn delays(&mut self) -> Vec<u32> {
        let delays = delay_steps(&self.delays_ms, self.plan.dt_ms);
        self.plan.set_delays(&delays);
        delays
    }

    /// A batch's history with its input spikes written.
    fn input_history(&self, samples: &[&Sample]) -> Result<History, Error> {
        self.plan.check_batch(samples.len() as u32)?;
        let channels = self.plan.layers[self.input].size;
        for (k, sample) in samples.iter().enumerate() {
            if let Some(&(t, c)) = sample
                .events
                .iter()
                .find(|&&(t, c)| c >= channels || !t.is_finite() || t < 0.0)
            {
                return Err(Error::Train(TrainError::Dataset(format!(
                    "sample {k} of the batch has an event ({t} ms, channel {c}) outside the \
                     input layer's {channels} channels or at a time that is not ≥ 0"
                ))));
            }
        }
        let mut history = History::new(&self.plan, samples.len() as u32);
        EventDataset::write_input_spikes(
            samples,
            self.plan.dt_ms,
            self.plan.steps,
            self.plan.words(),
            self.plan.layers[self.input].offset,
            &mut history.spikes,
        );
        Ok(history)
    }

    /// e-prop's pseudo-derivative height (0 for EventProp: the forward pass is the
    /// same either way).
    fn gamma(&self) -> f32 {
        match self.config.method {
            Method::Eprop(e) => e.gamma,
            Method::EventProp => 0.0,
        }
    }

    /// Makes the GPU trainer, or remakes it where it cannot take this batch (nothing
    /// on the CPU reference).
    fn prepare_gpu(&mut self, instances: u32, delays: &[u32]) -> Result<(), Error> {
        let gamma = self.gamma();
        let Engine::Gpu { adapter, trainer } = &mut self.engine else {
            return Ok(());
        };
        let longest = delays.iter().copied().max().unwrap_or(1);
        let fits = trainer
            .as_ref()
            .is_some_and(|t| t.capacity() >= instances && t.max_delay_steps() >= longest);
        if !fits {
            let capacity = instances.max(self.config.batch_size);
            // Room for learnt delays to grow by half (at least one step) before the
            // ring must be remade.
            let room = longest + (longest / 2).max(1);
            let moments = trainer.as_ref().map(|t| t.moments()).transpose()?;
            let ctx = GpuContext::new(adapter.as_deref())?;
            let sizes = GpuTrainerSizes {
                capacity,
                max_delay_steps: room,
                output: self.output as u32,
                gamma,
                eprop: matches!(self.config.method, Method::Eprop(_)),
            };
            *trainer = Some(Box::new(GpuTrainer::new(ctx, &self.plan, sizes, moments)?));
        }
        if let Some(gpu) = trainer {
            // The configuration may have changed since the trainer was made: its
            // connections (learnt delays) and e-prop's γ are the current ones.
            gpu.set_connections(&self.plan.connections);
            gpu.set_gamma(gamma);
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
        let (history, loss, per_instance) = self.run_gradient(samples, targets, true)?;
        let per_instance = per_instance.expect("read back");
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

    /// A batch forward, its loss, and the method's gradient: per instance (and the
    /// whole history) where `read` or on the CPU; on the GPU otherwise the gradient
    /// stays on the device for the optimiser and only the output layer comes back.
    fn run_gradient(
        &mut self,
        samples: &[&Sample],
        targets: &Targets<'_>,
        read: bool,
    ) -> Result<(History, LossValue, Option<Gradients>), Error> {
        let readback = if read {
            Readback::All
        } else {
            Readback::Output
        };
        let Method::Eprop(eprop) = self.config.method else {
            let (history, record, _) = self.run_forward(samples, None, readback)?;
            let loss = self
                .config
                .loss
                .evaluate(&self.plan, self.output, &record, targets)?;
            let gradients = self.backward(&history, &loss.sources, read)?;
            return Ok((history, loss, gradients));
        };
        let Targets::Labels(labels) = targets else {
            return Err(Error::Train(TrainError::Loss(
                "e-prop learns from labels".into(),
            )));
        };
        if labels.len() != samples.len() {
            return Err(Error::Train(TrainError::Loss(format!(
                "{} labels for {} samples",
                labels.len(),
                samples.len()
            ))));
        }
        let feedback = match &self.random_feedback {
            Some(matrix) => matrix.clone(),
            None => feedback_matrix(
                &self.plan,
                &self.weights,
                self.output,
                eprop.feedback,
                self.network.seed,
            ),
        };
        let (history, record, mut gradients) =
            self.run_forward(samples, Some((labels, &feedback)), readback)?;
        if let (
            Engine::Gpu {
                trainer: Some(gpu), ..
            },
            true,
        ) = (&self.engine, read)
        {
            gradients = Some(gpu.gradients(history.instances)?);
        }
        let loss = self
            .config
            .loss
            .evaluate(&self.plan, self.output, &record, targets)?;
        Ok((history, loss, gradients))
    }

    /// The backward pass over the trial `history` records; the per-instance gradients
    /// where `read` (on the GPU they otherwise stay on the device for the optimiser).
    fn backward(
        &mut self,
        history: &History,
        sources: &[f32],
        read: bool,
    ) -> Result<Option<Gradients>, Error> {
        let delays = self.delays();
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
        Ok(Some(backward_cpu(
            &self.plan,
            &self.weights,
            &delays,
            history,
            self.output,
            sources,
        )))
    }

    /// One optimiser step on a batch of labelled samples: forward, loss, backward and
    /// the update, on the device where the trainer runs on the GPU.
    pub fn train_batch(&mut self, samples: &[&Sample]) -> Result<BatchResult, Error> {
        let labels: Vec<u32> = samples.iter().map(|s| s.label).collect();
        let loss = self.train_batch_with(samples, &Targets::Labels(&labels))?;
        Ok(result(&loss, &labels))
    }

    /// One optimiser step on a batch against any targets (the traces of
    /// `Loss::MeanSquaredVoltage`, or labels); returns the batch's loss. An empty
    /// batch changes nothing.
    pub fn train_batch_with(
        &mut self,
        samples: &[&Sample],
        targets: &Targets<'_>,
    ) -> Result<LossValue, Error> {
        if samples.is_empty() {
            return Ok(LossValue {
                losses: Vec::new(),
                predictions: Vec::new(),
                sources: Vec::new(),
            });
        }
        let on_gpu = matches!(self.engine, Engine::Gpu { .. });
        let (history, loss, per_instance) = self.run_gradient(samples, targets, !on_gpu)?;
        // A loss that is not finite has no usable gradient: refused before the
        // optimiser's state takes it in.
        if let Some(k) = loss.losses.iter().position(|l| !l.is_finite()) {
            return Err(Error::Train(TrainError::Loss(format!(
                "instance {k}'s loss is {}: no weight was changed",
                loss.losses[k]
            ))));
        }
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
        // A gradient that overflowed leaves a parameter (and its moments) not finite.
        for (field, values) in [("weights", &self.weights), ("delays_ms", &self.delays_ms)] {
            if let Some(k) = values.iter().position(|v| !v.is_finite()) {
                return Err(Error::Train(TrainError::Structure {
                    field: format!("{field}[{k}]"),
                    reason: format!(
                        "the update made it {}: a gradient was not finite (its optimiser \
                         state too; make a new trainer, with a smaller learning rate)",
                        values[k]
                    ),
                }));
            }
        }
        // A delay longer than the trial has no effect: learnt delays stay within it.
        let longest = self.network.trial_ms as f32;
        self.delays_ms.iter_mut().for_each(|d| *d = d.min(longest));
        Ok(loss)
    }

    /// The loss and accuracy of labelled samples, without learning.
    pub fn evaluate(&mut self, samples: &[&Sample]) -> Result<BatchResult, Error> {
        let labels: Vec<u32> = samples.iter().map(|s| s.label).collect();
        let (_, record, _) = self.run_forward(samples, None, Readback::Output)?;
        let loss = self.config.loss.evaluate(
            &self.plan,
            self.output,
            &record,
            &Targets::Labels(&labels),
        )?;
        Ok(result(&loss, &labels))
    }

    /// One pass over `dataset` in batches of the configured size (the last batch may be
    /// smaller), in the dataset's order or, with `config.shuffle`, in this epoch's
    /// order (`epoch_order`); returns the epoch's summed result.
    pub fn train_epoch(&mut self, dataset: &EventDataset) -> Result<BatchResult, Error> {
        let order = if self.config.shuffle {
            epoch_order(self.network.seed, self.epochs, dataset.samples.len())
        } else {
            (0..dataset.samples.len()).collect()
        };
        let result = self.over_batches(dataset, &order, Self::train_batch)?;
        self.epochs += 1;
        Ok(result)
    }

    /// The accuracy over `dataset`, in batches in its order, without learning.
    pub fn test(&mut self, dataset: &EventDataset) -> Result<BatchResult, Error> {
        let order: Vec<usize> = (0..dataset.samples.len()).collect();
        self.over_batches(dataset, &order, Self::evaluate)
    }

    /// Epochs `train_epoch` has completed.
    pub fn epochs(&self) -> u32 {
        self.epochs
    }

    fn over_batches(
        &mut self,
        dataset: &EventDataset,
        order: &[usize],
        mut each: impl FnMut(&mut Self, &[&Sample]) -> Result<BatchResult, Error>,
    ) -> Result<BatchResult, Error> {
        self.check(dataset)?;
        let mut total = BatchResult {
            loss: 0.0,
            correct: 0,
            samples: 0,
        };
        for batch in order.chunks(self.config.batch_size as usize) {
            let refs: Vec<&Sample> = batch.iter().map(|&i| &dataset.samples[i]).collect();
            let r = each(self, &refs)?;
            total.loss += r.loss * f64::from(r.samples);
            total.correct += r.correct;
            total.samples += r.samples;
        }
        total.loss /= f64::from(total.samples.max(1));
        Ok(total)
    }

    /// `config`, `weights` and `delays_ms` are public: checked before each run as
    /// `new` checked them, so that a change cannot make a step infinite, NaN or out
    /// of bounds.
    fn check_settings(&mut self) -> Result<(), TrainError> {
        // The method's kind and e-prop's feedback made buffers and the feedback
        // matrix; γ may change.
        let made = |method: Method| match method {
            Method::EventProp => None,
            Method::Eprop(e) => Some(e.feedback),
        };
        if (made(self.config.method), &self.config.output)
            != (made(self.made_for.0), &self.made_for.1)
        {
            return Err(TrainError::Structure {
                field: "config.method".into(),
                reason: "the method and output layer are the trainer's own (its feedback \
                         and buffers are theirs): make a new trainer for others"
                    .into(),
            });
        }
        if self.network != self.made_from {
            return Err(TrainError::Structure {
                field: "network".into(),
                reason: "the network is the trainer's own (its plan, buffers and initial \
                         weights were made from it): make a new trainer for another; \
                         `weights`, `delays_ms` and `config` may change"
                    .into(),
            });
        }
        self.output = check_config(&self.network, &self.plan, &self.config)?;
        let synapses = self.plan.synapses as usize;
        for (field, values) in [("weights", &self.weights), ("delays_ms", &self.delays_ms)] {
            if values.len() != synapses {
                return Err(TrainError::Structure {
                    field: field.into(),
                    reason: format!("{} values for {synapses} synapses", values.len()),
                });
            }
        }
        if let Some(w) = self.weights.iter().find(|w| !w.is_finite()) {
            return Err(TrainError::Parameter {
                field: "weights".into(),
                expected: "finite",
                value: f64::from(*w),
            });
        }
        let longest = self.network.trial_ms as f32;
        if let Some(d) = self
            .delays_ms
            .iter()
            .find(|d| !(d.is_finite() && (0.0..=longest).contains(*d)))
        {
            return Err(TrainError::Parameter {
                field: "delays_ms".into(),
                expected: "finite, ≥ 0 and at most the trial's length",
                value: f64::from(*d),
            });
        }
        Ok(())
    }

    fn check(&self, dataset: &EventDataset) -> Result<(), TrainError> {
        // `config` is public: checked again here, not only when the trainer was made.
        if self.config.batch_size == 0 {
            return Err(TrainError::Parameter {
                field: "config.batch_size".into(),
                expected: "at least 1",
                value: 0.0,
            });
        }
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

    /// The weights of connection `c` (pre-major); `None` if there is no connection `c`.
    pub fn connection_weights(&self, c: usize) -> Option<&[f32]> {
        (c < self.plan.connections.len()).then(|| &self.weights[self.plan.connection_synapses(c)])
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

impl BatchResult {
    pub fn accuracy(&self) -> f64 {
        f64::from(self.correct) / f64::from(self.samples.max(1))
    }
}

/// The checks `config` must pass for `network`, made when the trainer is made and
/// again before each run (`config` is public); returns the output layer's index.
fn check_config(
    network: &TrainingNetwork,
    plan: &TrainingPlan,
    config: &TrainingConfig,
) -> Result<usize, TrainError> {
    let output = network
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
    config
        .loss
        .check_output(plan, output)
        .map_err(|e| TrainError::Structure {
            field: "output".into(),
            reason: e.to_string(),
        })?;
    if let Loss::CrossEntropyFirstSpike { tau0_ms } = config.loss {
        if !(tau0_ms.is_finite() && tau0_ms > 0.0) {
            return Err(TrainError::Parameter {
                field: "loss.tau0_ms".into(),
                expected: "finite and > 0",
                value: tau0_ms,
            });
        }
    }
    config.optimizer.validate("optimizer")?;
    if let Some(o) = config.delay_optimizer {
        o.validate("delay_optimizer")?;
    }
    let refuse = |field: &str, reason: String| {
        Err(TrainError::Structure {
            field: field.into(),
            reason,
        })
    };
    match config.method {
        Method::EventProp => {
            if let Some(l) = network
                .layers
                .iter()
                .find(|l| matches!(l.kind, LayerKind::Alif(_)))
            {
                return refuse(
                    "method",
                    format!("EventProp's adjoint is derived for a fixed threshold; layer `{}` is ALIF (train it with e-prop)", l.name),
                );
            }
        }
        Method::Eprop(e) => {
            if config.loss != Loss::CrossEntropyPerStep {
                return refuse("loss", format!("e-prop computes its gradient online, from the per-step cross-entropy, not {:?}", config.loss));
            }
            if !matches!(network.layers[output].kind, LayerKind::Readout(_)) {
                return refuse(
                    "output",
                    format!(
                        "e-prop's output `{}` must be a readout layer",
                        config.output
                    ),
                );
            }
            if config.delay_optimizer.is_some() {
                return refuse(
                    "delay_optimizer",
                    "e-prop has no delay gradients (EventProp has)".into(),
                );
            }
            if let Feedback::Random { sd } = e.feedback {
                // (0 would feed no learning signal back: the hidden layers never learn.)
                if !(sd.is_finite() && sd > 0.0) {
                    return Err(TrainError::Parameter {
                        field: "method.feedback.sd".into(),
                        expected: "finite and > 0",
                        value: sd,
                    });
                }
            }
            if !(e.gamma.is_finite() && e.gamma > 0.0) {
                return Err(TrainError::Parameter {
                    field: "method.gamma".into(),
                    expected: "finite and > 0",
                    value: f64::from(e.gamma),
                });
            }
        }
    }
    Ok(output)
}

const STREAM_SHUFFLE: u32 = 0x5368_7566; // "Shuf"

/// The order in which epoch `epoch` (from 0) of a shuffled training visits `n`
/// samples: a Fisher–Yates permutation drawn from the network's `seed`, its own
/// stream per epoch.
pub fn epoch_order(seed: u64, epoch: u32, n: usize) -> Vec<usize> {
    let mut stream = HostStream::new(seed, STREAM_SHUFFLE, epoch);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = stream.below(u32::try_from(i + 1).unwrap_or(u32::MAX)) as usize;
        order.swap(i, j);
    }
    order
}
