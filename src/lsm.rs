//! A liquid state machine classifying spike patterns (Maass, Natschläger & Markram
//! 2002), trained online on the device: a synthetic task of `classes` templates, each
//! a Poisson spike pattern over `channels` inputs, presented with jitter and
//! deletions; a recurrent LIF reservoir driven by the patterns through a
//! `spike_source_stream`; one LIF readout per class whose input synapses learn by
//! the error-modulated rule (`Plasticity::ErrorModulatedSynapse`). The host runs each
//! presentation in windows (`Simulation::run_until`): after each window it sets each
//! readout's error to its target rate minus its rate in the window (`set_error`), the
//! delta rule's learning signal. A presentation is classified by the readout that
//! fired most. Everything random comes from the counter RNG, so a run is reproducible.

use crate::cpu::rng::HostStream;
use crate::error::Error;
use crate::model::{Connectivity, IafPscExp, NeuronModel, Plasticity, Population, Projection};
use crate::{Backend, Network, ReadoutValues, Receptor, Simulation, SpikeSourceStream, Value};

/// Stream tags of the task's draws.
const STREAM_TEMPLATE: u32 = 0x5465_6d70; // "Temp"
const STREAM_PRESENT: u32 = 0x5072_6573; // "Pres"

/// The task and the network's size.
#[derive(Debug, Clone, PartialEq)]
pub struct LsmTask {
    pub classes: u32,
    pub channels: u32,
    /// Reservoir neurons (80% excitatory).
    pub reservoir: u32,
    /// Length of a pattern (ms) and its channels' rate (Hz).
    pub pattern_ms: f64,
    pub rate_hz: f64,
    /// Each presentation moves every spike by N(0, jitter) and drops a fraction.
    pub jitter_ms: f64,
    pub drop: f64,
    /// Silence after each presentation (ms), so traces decay between patterns.
    pub gap_ms: f64,
    /// Length of one learning window of a presentation (ms).
    pub window_ms: f64,
    /// Readout rate the correct class is taught (Hz); the others are taught 0.
    pub target_hz: f64,
    /// Learning rate of the readout synapses (1/ms per Hz of error).
    pub eta: f64,
    pub seed: u64,
}

impl Default for LsmTask {
    /// The example's task: 10 classes of 40-channel patterns, 1000 reservoir neurons.
    fn default() -> Self {
        Self {
            classes: 10,
            channels: 40,
            reservoir: 1000,
            pattern_ms: 100.0,
            rate_hz: 20.0,
            jitter_ms: 2.0,
            drop: 0.1,
            gap_ms: 50.0,
            window_ms: 20.0,
            target_hz: 50.0,
            // Small enough that one presentation moves a readout's input by a fraction
            // of its threshold (larger rates let the last class trained dominate).
            eta: 2e-5,
            seed: 1,
        }
    }
}

/// How one epoch went.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    pub epoch: u32,
    /// Fraction of the epoch's training presentations classified right, counting
    /// the readouts' spikes while they learn within the presentation.
    pub train_accuracy: f64,
    /// Fraction of a fresh test set (new jitter) classified right, without learning.
    pub test_accuracy: f64,
    /// Mean rate of the reservoir during the epoch (Hz).
    pub reservoir_hz: f64,
}

/// The liquid state machine and its task.
pub struct Lsm {
    task: LsmTask,
    sim: Simulation,
    /// Per class, per channel, the template's spike times within a pattern (ms).
    templates: Vec<Vec<Vec<f64>>>,
    presentations: u32,
}

impl LsmTask {
    /// The reduced configuration the tests run: 300 reservoir neurons.
    pub fn small() -> Self {
        Self {
            reservoir: 300,
            ..Self::default()
        }
    }

    /// The network: input stream, reservoir (E, I) and readouts.
    pub fn network(&self) -> Network {
        let mut net = Network::new(0.1, self.seed);
        let lif = |i_offset: f64| {
            NeuronModel::IafPscExp(IafPscExp {
                tau_refrac: 2.0,
                v_thresh: -50.0,
                i_offset,
                ..Default::default()
            })
        };
        let n_e = self.reservoir * 4 / 5;
        net.add_population(Population::new(
            "input",
            self.channels,
            NeuronModel::SpikeSourceStream(SpikeSourceStream::default()),
        ));
        net.add_population(
            Population::new("E", n_e, lif(0.0)).with_initial_v(Value::uniform(-65.0, -55.0)),
        );
        net.add_population(
            Population::new("I", self.reservoir - n_e, lif(0.0))
                .with_initial_v(Value::uniform(-65.0, -55.0)),
        );
        net.add_population(Population::new("readout", self.classes, lif(0.0)));
        let p = |p: f64| Connectivity::FixedProbability {
            p,
            allow_autapses: false,
        };
        let delay = Value::uniform(0.5, 3.0);
        // Sparse, balanced recurrence: the input's pattern echoes for tens of ms.
        for (pre, post, weight, receptor) in [
            ("input", "E", 1.2, Receptor::Excitatory),
            ("input", "I", 1.2, Receptor::Excitatory),
            ("E", "E", 0.3, Receptor::Excitatory),
            ("E", "I", 0.5, Receptor::Excitatory),
            ("I", "E", -1.2, Receptor::Inhibitory),
            ("I", "I", -1.2, Receptor::Inhibitory),
        ] {
            let connectivity = if pre == "input" { p(0.2) } else { p(0.1) };
            net.add_projection(Projection::new(
                pre,
                post,
                connectivity,
                weight,
                delay.clone(),
                receptor,
            ));
        }
        net.add_projection(
            Projection::new(
                "E",
                "readout",
                Connectivity::AllToAll {
                    allow_autapses: true,
                },
                0.05,
                1.0,
                Receptor::Excitatory,
            )
            .with_plasticity(Plasticity::ErrorModulatedSynapse {
                eta: self.eta,
                tau_pre: 20.0,
                w_min: 0.0,
                w_max: 5.0,
            }),
        );
        net.add_readout("readout", 20.0);
        net.add_readout("E", 20.0);
        net
    }

    /// Per class, per channel, the template's spike times (ms from the pattern's
    /// start): Poisson at `rate_hz`.
    fn templates(&self) -> Vec<Vec<Vec<f64>>> {
        (0..self.classes)
            .map(|c| {
                let mut rng = HostStream::new(self.seed, STREAM_TEMPLATE, c);
                (0..self.channels)
                    .map(|_| {
                        let mut times = Vec::new();
                        let mut t = 0.0;
                        loop {
                            t += -(rng.next_f64_open_low()).ln() * 1000.0 / self.rate_hz;
                            if t >= self.pattern_ms {
                                break times;
                            }
                            times.push(t);
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

impl LsmTask {
    /// The first field that cannot make a task, before anything is built (a rate of 0
    /// would draw templates forever, a window of 0 run windows forever).
    fn check(&self) -> Result<(), Error> {
        let refuse = |field, reason: &str| {
            Err(Error::LsmTask {
                field,
                reason: reason.into(),
            })
        };
        let positive = |x: f64| x.is_finite() && x > 0.0;
        let non_negative = |x: f64| x.is_finite() && x >= 0.0;
        match self {
            t if t.classes == 0 || t.channels == 0 || t.reservoir == 0 => {
                refuse("classes, channels, reservoir", "must each be at least 1")
            }
            // Four fifths excitatory (rounded down), the rest inhibitory: one of each.
            t if t.reservoir < 2 => refuse(
                "reservoir",
                "must be at least 2: four fifths excitatory, the rest inhibitory, at least one neuron each",
            ),
            t if !positive(t.pattern_ms) || !positive(t.rate_hz) => {
                refuse("pattern_ms, rate_hz", "must be finite and above 0")
            }
            // A pattern is round(pattern_ms / window_ms) windows.
            t if !positive(t.window_ms) || (t.pattern_ms / t.window_ms).round() < 1.0 => refuse(
                "window_ms",
                "must be above 0 and give a pattern at least one window",
            ),
            t if t.pattern_ms / t.window_ms > 10_000.0 => {
                refuse("window_ms", "gives more than 10,000 windows a pattern")
            }
            t if !(0.0..1.0).contains(&t.drop) => refuse("drop", "must lie in [0, 1)"),
            t if ![t.jitter_ms, t.gap_ms, t.target_hz, t.eta]
                .into_iter()
                .all(non_negative) =>
            {
                refuse(
                    "jitter_ms, gap_ms, target_hz, eta",
                    "must be finite and not negative",
                )
            }
            _ => Ok(()),
        }
    }
}

impl Lsm {
    pub fn new(task: LsmTask, backend: Backend) -> Result<Self, Error> {
        task.check()?;
        let sim = Simulation::new(&task.network(), backend)?;
        Ok(Self {
            templates: task.templates(),
            task,
            sim,
            presentations: 0,
        })
    }

    /// Presents a pattern of `class` (jittered and thinned anew) and returns the
    /// class whose readout fired most (ties: the lowest class, none firing: `None`).
    /// With `learn`, the readouts' errors are set after each window.
    pub fn present(&mut self, class: u32, learn: bool) -> Result<Option<u32>, Error> {
        let t = &self.task;
        if class >= t.classes {
            return Err(Error::LsmTask {
                field: "class",
                reason: format!("{class}: the task has classes 0 to {}", t.classes - 1),
            });
        }
        let start = self.sim.time_ms() + 1.0;
        let mut rng = HostStream::new(t.seed, STREAM_PRESENT, self.presentations);
        self.presentations += 1;
        let mut events = Vec::new();
        for (channel, times) in self.templates[class as usize].iter().enumerate() {
            for &time in times {
                if rng.next_f64() < t.drop {
                    continue;
                }
                let moved = (time + t.jitter_ms * rng.next_normal()).clamp(0.0, t.pattern_ms);
                events.push((start + moved, channel as u32));
            }
        }
        self.sim.push_events("input", 0, &events)?;
        let mut counts = vec![0u64; t.classes as usize];
        let windows = (t.pattern_ms / t.window_ms).round() as u32;
        for w in 1..=windows {
            let window = self.sim.run_until(start + f64::from(w) * t.window_ms)?;
            let readout = population(&window.readouts, "readout");
            for (c, n) in counts.iter_mut().zip(&readout.window_counts) {
                *c += u64::from(*n);
            }
            if learn {
                let errors: Vec<f32> = (0..t.classes)
                    .map(|k| {
                        let target = if k == class { t.target_hz } else { 0.0 };
                        (target - readout.rates_hz[k as usize]) as f32
                    })
                    .collect();
                self.sim.set_error("readout", 0, &errors)?;
            }
        }
        // Silence: no learning while the reservoir settles.
        self.sim
            .set_error("readout", 0, &vec![0.0; t.classes as usize])?;
        self.sim.run_until(start + t.pattern_ms + t.gap_ms)?;
        let best = counts.iter().copied().max().unwrap_or(0);
        Ok((best > 0).then(|| counts.iter().position(|&c| c == best).unwrap_or(0) as u32))
    }

    /// One epoch: `samples` presentations of every class in an interleaved order while
    /// learning, then `samples` of each without learning.
    pub fn epoch(&mut self, epoch: u32, samples: u32) -> Result<EpochReport, Error> {
        if samples == 0 {
            return Err(Error::LsmTask {
                field: "samples",
                reason: "must be at least 1 per class (an epoch of none has no accuracy)".into(),
            });
        }
        let classes = self.task.classes;
        let start_ms = self.sim.time_ms();
        let spikes_before = reservoir_spikes(&self.sim.readouts()?);
        let mut right = 0;
        for k in 0..samples * classes {
            // Classes in a fixed scramble, so neighbours differ.
            let class = (k * 7 + k / classes) % classes;
            right += u32::from(self.present(class, true)? == Some(class));
        }
        let train_accuracy = f64::from(right) / f64::from(samples * classes);
        let mut right = 0;
        for k in 0..samples * classes {
            let class = k % classes;
            right += u32::from(self.present(class, false)? == Some(class));
        }
        let spikes = reservoir_spikes(&self.sim.readouts()?) - spikes_before;
        let seconds = (self.sim.time_ms() - start_ms) / 1000.0;
        let n_e = f64::from(self.task.reservoir * 4 / 5);
        Ok(EpochReport {
            reservoir_hz: spikes as f64 / n_e / seconds,
            epoch,
            train_accuracy,
            test_accuracy: f64::from(right) / f64::from(samples * classes),
        })
    }
}

/// The readout of `name` among `readouts` (the network has one of each).
fn population<'a>(readouts: &'a [ReadoutValues], name: &str) -> &'a ReadoutValues {
    readouts
        .iter()
        .find(|r| r.population == name)
        .expect("the network's readouts")
}

/// Spikes of the excitatory reservoir since the start.
fn reservoir_spikes(readouts: &[ReadoutValues]) -> u64 {
    population(readouts, "E")
        .counts
        .iter()
        .map(|&c| u64::from(c))
        .sum()
}
