//! EventProp's gradients against finite differences of an exact event-driven
//! simulation of the same network (f64, threshold crossings found by bisection on the
//! closed-form trajectory), and training on the synthetic latency task.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use neurodyn::train::latency;
use neurodyn::train::plan::NeuronRole;
use neurodyn::train::{
    epoch_order, Connection, Delays, EventDataset, Feedback, LayerKind, Lif, Loss, Method,
    Optimizer, Readout, Sample, Targets, Trainer, TrainingConfig, TrainingNetwork, Weights,
};
use neurodyn::Backend;

/// The exact simulation's view of the trainer's network: per neuron its layer's
/// constants, per synapse (pre, post, weight, delay in ms).
struct Exact {
    tau_m: Vec<f64>,
    tau_s: Vec<f64>,
    cm: Vec<f64>,
    theta: Vec<f64>,
    reset: Vec<f64>,
    role: Vec<u32>,
    v_rest: Vec<f64>,
    outgoing: Vec<Vec<(usize, f64, f64)>>,
    trial_ms: f64,
    dt_ms: f64,
}

#[derive(PartialEq)]
struct Arrival(f64, usize, f64);
impl Eq for Arrival {}
impl PartialOrd for Arrival {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Arrival {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0)
    }
}

/// The result of an exact run: each neuron's spike times, and its potential (mV,
/// absolute) at the end of every step.
struct ExactRun {
    spikes: Vec<Vec<f64>>,
    samples: Vec<Vec<f64>>,
}

impl Exact {
    fn new(trainer: &Trainer) -> Self {
        let plan = trainer.plan();
        let n = plan.neurons as usize;
        let mut e = Exact {
            tau_m: vec![1.0; n],
            tau_s: vec![1.0; n],
            cm: vec![1.0; n],
            theta: vec![f64::INFINITY; n],
            reset: vec![0.0; n],
            role: vec![NeuronRole::Input as u32; n],
            v_rest: vec![0.0; n],
            outgoing: vec![Vec::new(); n],
            trial_ms: f64::from(plan.steps) * plan.dt_ms,
            dt_ms: plan.dt_ms,
        };
        for (l, layer) in trainer.network.layers.iter().enumerate() {
            let off = plan.layers[l].offset as usize;
            for j in off..off + layer.size as usize {
                e.role[j] = plan.layers[l].role;
                e.v_rest[j] = plan.v_rest[l];
                match layer.kind {
                    LayerKind::Lif(p) => {
                        (e.tau_m[j], e.tau_s[j], e.cm[j]) = (p.tau_m, p.tau_syn, p.cm);
                        e.theta[j] = p.v_thresh - p.v_rest;
                        e.reset[j] = p.v_reset - p.v_rest;
                    }
                    LayerKind::Readout(p) => {
                        (e.tau_m[j], e.tau_s[j], e.cm[j]) = (p.tau_m, p.tau_syn, p.cm)
                    }
                    LayerKind::Input => {}
                    LayerKind::Alif(_) => unreachable!("EventProp refuses ALIF layers"),
                }
            }
        }
        e
    }

    /// Sets the synapses from weights and delays (the trainer's flat arrays; delays are
    /// rounded to steps as the grid does).
    fn with_synapses(mut self, trainer: &Trainer, weights: &[f32], delays_ms: &[f64]) -> Self {
        let plan = trainer.plan();
        for c in &plan.connections {
            let pre = plan.layers[c.pre_layer as usize];
            let post = plan.layers[c.post_layer as usize];
            for i in 0..pre.size {
                for q in 0..post.size {
                    let s = (c.synapse_offset + i * post.size + q) as usize;
                    self.outgoing[(pre.offset + i) as usize].push((
                        (post.offset + q) as usize,
                        f64::from(weights[s]),
                        delays_ms[s],
                    ));
                }
            }
        }
        self
    }

    /// The potential `s` ms after a state (v, i).
    fn potential(&self, j: usize, v: f64, i: f64, s: f64) -> f64 {
        let (tm, ts) = (self.tau_m[j], self.tau_s[j]);
        let kappa = ((-s / ts).exp() - (-s / tm).exp()) / (1.0 / tm - 1.0 / ts);
        v * (-s / tm).exp() + i / self.cm[j] * kappa
    }

    /// The first time in (a, b] (ms after the state's time) at which the potential
    /// reaches the threshold: the trajectory has at most one extremum, so each side of
    /// it is monotone and bisection finds the crossing.
    fn crossing(&self, j: usize, v: f64, i: f64, a: f64, b: f64) -> Option<f64> {
        let (tm, ts, th) = (self.tau_m[j], self.tau_s[j], self.theta[j]);
        let f = |s: f64| self.potential(j, v, i, s) - th;
        let k = i / self.cm[j] / (1.0 / tm - 1.0 / ts);
        let (ca, cb) = (-v / tm + k / tm, -k / ts); // f' = ca e^(−s/τm) + cb e^(−s/τs)
        let mut cuts = vec![a];
        if ca != 0.0 && -cb / ca > 0.0 {
            let s = (-cb / ca).ln() / (1.0 / ts - 1.0 / tm);
            if s > a && s < b {
                cuts.push(s);
            }
        }
        cuts.push(b);
        for w in cuts.windows(2) {
            let (mut lo, mut hi) = (w[0], w[1]);
            if f(lo) < 0.0 && f(hi) >= 0.0 {
                for _ in 0..200 {
                    let mid = 0.5 * (lo + hi);
                    if f(mid) >= 0.0 {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                return Some(hi);
            }
        }
        None
    }

    fn run(&self, inputs: &[(f64, usize)]) -> ExactRun {
        let n = self.role.len();
        let (mut v, mut cur, mut since) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let steps = (self.trial_ms / self.dt_ms).round() as usize;
        let mut samples = vec![vec![0.0; steps]; n];
        let mut spikes = vec![Vec::new(); n];
        let mut queue = BinaryHeap::new();
        let mut next_sample = 0usize;
        for &(t, j) in inputs {
            for &(post, w, d) in &self.outgoing[j] {
                queue.push(Arrival(t + d, post, w));
            }
        }
        let mut now = 0.0;
        // The last sample is at the trial's end: nothing after it changes a loss.
        while next_sample < steps {
            let t_arrival = queue.peek().map_or(f64::INFINITY, |a| a.0);
            let t_sample = (next_sample + 1) as f64 * self.dt_ms;
            let horizon = t_arrival.min(t_sample);
            // The earliest threshold crossing before the next event.
            let mut first: Option<(f64, usize)> = None;
            for j in (0..n).filter(|&j| self.role[j] == NeuronRole::Lif as u32) {
                if let Some(s) = self.crossing(j, v[j], cur[j], now - since[j], horizon - since[j])
                {
                    let t = since[j] + s;
                    if first.is_none_or(|(f, _)| t < f) {
                        first = Some((t, j));
                    }
                }
            }
            let advance = |j: usize, t: f64, v: &mut [f64], cur: &mut [f64], since: &mut [f64]| {
                let s = t - since[j];
                v[j] = self.potential(j, v[j], cur[j], s);
                cur[j] *= (-s / self.tau_s[j]).exp();
                since[j] = t;
            };
            if let Some((t, j)) = first {
                advance(j, t, &mut v, &mut cur, &mut since);
                v[j] = self.reset[j];
                spikes[j].push(t);
                for &(post, w, d) in &self.outgoing[j] {
                    queue.push(Arrival(t + d, post, w));
                }
                now = t;
            } else if t_sample <= t_arrival {
                for j in 0..n {
                    let s = t_sample - since[j];
                    samples[j][next_sample] = self.potential(j, v[j], cur[j], s) + self.v_rest[j];
                }
                next_sample += 1;
                now = t_sample;
            } else {
                let Arrival(t, j, w) = queue.pop().unwrap();
                advance(j, t, &mut v, &mut cur, &mut since);
                cur[j] += w;
                now = t;
            }
        }
        ExactRun { spikes, samples }
    }
}

/// 6 inputs → 8 LIF (recurrent) → 3 readouts, over 30 ms.
fn network(seed: u64, spiking_output: bool, dt: f64) -> TrainingNetwork {
    let mut net = TrainingNetwork::new(dt, 30.0, seed);
    let lif = Lif {
        tau_m: 10.0,
        tau_syn: 5.0,
        ..Lif::default()
    };
    net.add_layer("in", 6, LayerKind::Input)
        .add_layer("hidden", 8, LayerKind::Lif(lif))
        .add_layer(
            "out",
            3,
            if spiking_output {
                LayerKind::Lif(lif)
            } else {
                LayerKind::Readout(Readout {
                    tau_m: 10.0,
                    tau_syn: 5.0,
                    ..Readout::default()
                })
            },
        );
    let delays = |n: usize, lo: f32, k: u64| Delays::Given {
        values: (0..n)
            .map(|x| lo + ((x as u64 * 7 + k) % 13) as f32 * 0.1)
            .collect(),
    };
    net.connect(Connection::new(
        "in",
        "hidden",
        Weights::Normal { mean: 1.5, sd: 1.0 },
        delays(48, 0.5, 1),
    ))
    .connect(Connection::new(
        "hidden",
        "hidden",
        Weights::Normal { mean: 0.0, sd: 0.5 },
        delays(64, 1.0, 3),
    ))
    .connect(Connection::new(
        "hidden",
        "out",
        Weights::Normal {
            mean: if spiking_output { 2.0 } else { 0.5 },
            sd: 1.0,
        },
        delays(24, 0.5, 5),
    ));
    net
}

/// The step of the gradient checks: the grid sees each spike at the end of the step
/// that crosses threshold, so the gradient is the exact model's up to the step's
/// resolution of spike times (`the_gradient_converges_as_the_step_shrinks`).
const DT: f64 = 0.0025;

/// Input spikes a quarter step before step ends of `dt` (a divisor of 0.01 ms), so
/// the grid's rounding to the nearest step end lands exactly on the end the exact
/// simulation uses (a half step would round either way once stored in f32).
fn inputs(dt: f64) -> (Sample, Vec<(f64, usize)>) {
    let r = (0.01 / dt).round() as usize;
    let steps = [
        (0, 150),
        (1, 220),
        (2, 310),
        (3, 480),
        (4, 530),
        (5, 760),
        (0, 900),
        (2, 1130),
        (4, 1270),
        (1, 1500),
    ];
    let sample = Sample {
        events: steps
            .iter()
            .map(|&(c, m)| ((((m * r) as f64 - 0.25) * dt) as f32, c as u32))
            .collect(),
        label: 1,
    };
    let exact = steps
        .iter()
        .map(|&(c, m)| ((m * r) as f64 * dt, c))
        .collect();
    (sample, exact)
}

fn trainer(loss: Loss, dt: f64) -> Trainer {
    trainer_on(loss, dt, Backend::Cpu)
}

fn trainer_on(loss: Loss, dt: f64, backend: Backend) -> Trainer {
    Trainer::new(
        network(11, matches!(loss, Loss::CrossEntropyFirstSpike { .. }), dt),
        TrainingConfig {
            method: Method::EventProp,
            loss,
            output: "out".into(),
            optimizer: Optimizer::adam(1e-3),
            delay_optimizer: None,
            batch_size: 1,
            shuffle: false,
        },
        backend,
    )
    .unwrap()
}

fn cross_entropy(logits: &[f64], label: usize) -> f64 {
    let top = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = logits.iter().map(|z| (z - top).exp()).sum();
    -(logits[label] - top - total.ln())
}

/// The loss on the exact model: cross-entropy over each readout's largest sampled
/// potential, or over −t/τ0 of each output neuron's first spike.
fn exact_loss(t: &Trainer, weights: &[f32], delays: &[f64], label: usize) -> f64 {
    let exact = Exact::new(t).with_synapses(t, weights, delays);
    let run = exact.run(&inputs(t.plan().dt_ms).1);
    let out = t.plan().layers[2];
    let logits: Vec<f64> = (0..out.size as usize)
        .map(|c| {
            let j = out.offset as usize + c;
            match t.config.loss {
                Loss::CrossEntropyFirstSpike { tau0_ms } => {
                    -run.spikes[j].first().copied().unwrap_or(exact.trial_ms) / tau0_ms
                }
                _ => run.samples[j]
                    .iter()
                    .cloned()
                    .fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect();
    cross_entropy(&logits, label)
}

fn grid_delays(t: &Trainer) -> Vec<f64> {
    t.delays_ms
        .iter()
        .map(|&d| (f64::from(d) / t.plan().dt_ms).round() * t.plan().dt_ms)
        .collect()
}

/// Compares two gradients: relative error of the whole vector, and of each component
/// larger than a tenth of the largest.
/// The central difference of the exact model's loss with respect to weight `s`, over
/// the weights as f32 actually represents them ± `eps`.
fn fd_weight(t: &Trainer, delays: &[f64], s: usize, eps: f64) -> f64 {
    let mut w = t.weights.clone();
    w[s] += eps as f32;
    let up = exact_loss(t, &w, delays, 1);
    w[s] -= 2.0 * eps as f32;
    let down = exact_loss(t, &w, delays, 1);
    let step = f64::from(t.weights[s] + eps as f32) - f64::from(t.weights[s] - eps as f32);
    (up - down) / step
}

fn assert_close(what: &str, eventprop: &[f64], fd: &[f64], tolerance: f64) {
    let norm = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let diff: Vec<f64> = eventprop.iter().zip(fd).map(|(a, b)| a - b).collect();
    let rel = norm(&diff) / norm(fd);
    let largest = fd.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = eventprop
        .iter()
        .zip(fd)
        .filter(|(_, f)| f.abs() > 0.1 * largest)
        .map(|(e, f)| ((e - f) / f).abs())
        .fold(0.0, f64::max);
    println!(
        "{what}: |Δ|/|fd| = {rel:.2e}, worst large component {worst:.2e}, |fd| = {:.3e}",
        norm(fd)
    );
    assert!(
        norm(fd) > 0.0,
        "{what}: the finite differences are all zero"
    );
    assert!(
        rel < tolerance && worst < tolerance,
        "{what}: eventprop {eventprop:?}\nfd {fd:?}"
    );
}

/// EventProp's weight and delay gradients against central differences of the exact
/// model's loss, connection by connection.
fn check_gradients(loss: Loss) {
    let mut t = trainer(loss, DT);
    let (sample, _) = inputs(DT);
    let g = t.gradient(&[&sample], &Targets::Labels(&[1])).unwrap();
    // The network is active: every hidden neuron spikes, and so does every output
    // whose spike time the loss reads.
    let active = |layer: usize| {
        let l = t.plan().layers[layer];
        for j in l.offset..l.offset + l.size {
            assert!(
                (0..t.plan().steps).any(|n| g.history.spiked(0, n, j)),
                "neuron {j} is silent"
            );
        }
    };
    active(1);
    if let Loss::CrossEntropyFirstSpike { .. } = loss {
        active(2);
    }
    let delays = grid_delays(&t);
    let eps = 1e-4;
    for (c, name) in ["in → hidden", "hidden → hidden", "hidden → out"]
        .iter()
        .enumerate()
    {
        let range = t.plan().connection_synapses(c);
        let fd_weights: Vec<f64> = range
            .clone()
            .map(|s| fd_weight(&t, &delays, s, eps))
            .collect();
        let ep: Vec<f64> = g.weights[range.clone()]
            .iter()
            .map(|&x| f64::from(x))
            .collect();
        assert_close(&format!("{loss:?} weights {name}"), &ep, &fd_weights, 0.01);
        let fd_delays: Vec<f64> = range
            .clone()
            .map(|s| {
                let mut d = delays.clone();
                d[s] += eps;
                let up = exact_loss(&t, &t.weights, &d, 1);
                d[s] -= 2.0 * eps;
                let down = exact_loss(&t, &t.weights, &d, 1);
                (up - down) / (2.0 * eps)
            })
            .collect();
        let ep: Vec<f64> = g.delays[range].iter().map(|&x| f64::from(x)).collect();
        assert_close(&format!("{loss:?} delays {name}"), &ep, &fd_delays, 0.01);
    }
}

#[test]
fn gradients_of_a_readout_loss_match_finite_differences_of_the_exact_model() {
    check_gradients(Loss::CrossEntropyMaxVoltage);
}

/// The relative error of EventProp's input → hidden weight gradients against central
/// differences of the exact model falls as the step shrinks (4% at 0.01 ms, 1.4% at
/// 0.005 ms, 0.45% at 0.0025 ms on this network): the grid's resolution of spike
/// times, not an error in the adjoint.
#[test]
fn the_gradient_converges_as_the_step_shrinks() {
    let errors: Vec<f64> = [0.01, 0.005, 0.0025]
        .iter()
        .map(|&dt| {
            let mut t = trainer(Loss::CrossEntropyMaxVoltage, dt);
            let (sample, _) = inputs(dt);
            let g = t.gradient(&[&sample], &Targets::Labels(&[1])).unwrap();
            let delays = grid_delays(&t);
            let eps = 1e-4;
            let range = t.plan().connection_synapses(0);
            let (mut diff, mut norm) = (0.0, 0.0);
            for s in range {
                let fd = fd_weight(&t, &delays, s, eps);
                diff += (f64::from(g.weights[s]) - fd).powi(2);
                norm += fd * fd;
            }
            let error = (diff / norm).sqrt();
            println!("dt = {dt} ms: |Δ|/|fd| = {error:.2e}");
            error
        })
        .collect();
    assert!(errors[0] > errors[1] && errors[1] > errors[2], "{errors:?}");
    assert!(errors[2] < 0.01, "{errors:?}");
}

#[test]
fn gradients_of_a_spike_time_loss_match_finite_differences_of_the_exact_model() {
    check_gradients(Loss::CrossEntropyFirstSpike { tau0_ms: 5.0 });
}

/// The GPU kernels against their CPU twins: a batch of several samples through a
/// recurrent network with delays of many steps; spikes, recorded values and every
/// instance's gradients bit for bit.
fn gpu_equals_cpu(loss: Loss) {
    let net = || {
        let mut n = network(5, matches!(loss, Loss::CrossEntropyFirstSpike { .. }), DT);
        n.dt_ms = 0.05;
        n
    };
    let config = TrainingConfig {
        method: Method::EventProp,
        loss,
        output: "out".into(),
        optimizer: Optimizer::adam(1e-3),
        delay_optimizer: None,
        batch_size: 5,
        shuffle: false,
    };
    let mut cpu = Trainer::new(net(), config.clone(), Backend::Cpu).unwrap();
    let mut gpu = Trainer::new(net(), config, Backend::Gpu).unwrap();
    let samples = latency::dataset(6, 5, 1.0, 9);
    let refs: Vec<&Sample> = samples.samples.iter().collect();
    let labels: Vec<u32> = samples.samples.iter().map(|s| s.label % 3).collect();
    let a = cpu.gradient(&refs, &Targets::Labels(&labels)).unwrap();
    let b = gpu.gradient(&refs, &Targets::Labels(&labels)).unwrap();
    let spikes = a.history.spikes.iter().map(|w| w.count_ones()).sum::<u32>();
    assert!(spikes > 50, "only {spikes} spikes");
    assert_eq!(a.history.spikes, b.history.spikes, "spike bits");
    let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&a.history.recorded),
        bits(&b.history.recorded),
        "recorded values"
    );
    // The output layer's record, gathered on the device, gives the same loss.
    assert_eq!(bits(&a.loss.sources), bits(&b.loss.sources), "loss sources");
    assert_eq!(a.loss.losses, b.loss.losses);
    assert!(a.per_instance.weights.iter().any(|&g| g != 0.0));
    assert_eq!(
        bits(&a.per_instance.weights),
        bits(&b.per_instance.weights),
        "weight gradients"
    );
    assert_eq!(
        bits(&a.per_instance.delays),
        bits(&b.per_instance.delays),
        "delay gradients"
    );
}

#[test]
fn gpu_gradients_equal_the_cpu_twin_for_a_readout_loss() {
    gpu_equals_cpu(Loss::CrossEntropyMaxVoltage);
}

#[test]
fn gpu_gradients_equal_the_cpu_twin_for_a_spike_time_loss() {
    gpu_equals_cpu(Loss::CrossEntropyFirstSpike { tau0_ms: 5.0 });
}

/// SGD with momentum on the weights and Adam on the delays, on the device and on the
/// CPU twin: the same weights and delays bit for bit after a few batches, and the
/// delays move.
#[test]
fn sgd_and_delay_learning_are_the_same_on_gpu_and_cpu() {
    let data = latency::dataset(4, 48, 0.5, 4);
    let refs: Vec<&Sample> = data.samples.iter().collect();
    let run = |backend: Backend| {
        let mut config = latency::config(16);
        config.optimizer = Optimizer::Sgd {
            learning_rate: 0.05,
            momentum: 0.9,
        };
        config.delay_optimizer = Some(Optimizer::adam(0.05));
        let mut t = Trainer::new(latency::network(4, 16, 3), config, backend).unwrap();
        for batch in refs.chunks(16) {
            t.train_batch(batch).unwrap();
        }
        let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        (bits(&t.weights), bits(&t.delays_ms))
    };
    let (gpu, cpu) = (run(Backend::Gpu), run(Backend::Cpu));
    assert_eq!(gpu, cpu);
    assert!(
        cpu.1.iter().any(|&d| f32::from_bits(d) != 1.0),
        "the delays learn"
    );
}

/// The shipped dataset (`data/latency/`) is the generator's, read back from `.npy`.
fn shipped(name: &str) -> EventDataset {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/latency");
    EventDataset::load_npy(
        &dir.join(format!("{name}_events.npy")),
        &dir.join(format!("{name}_labels.npy")),
    )
    .unwrap()
}

#[test]
fn the_shipped_latency_dataset_is_the_generators() {
    assert_eq!(shipped("train"), latency::dataset(4, 512, 0.5, 1));
    assert_eq!(shipped("test"), latency::dataset(4, 256, 0.5, 2));
}

#[test]
fn eventprop_learns_the_latency_task_above_90_percent_on_the_gpu() {
    let (train, test) = (shipped("train"), shipped("test"));
    let mut trainer = Trainer::new(
        latency::network(4, 32, 3),
        latency::config(32),
        Backend::Gpu,
    )
    .unwrap();
    let before = trainer.test(&test).unwrap().accuracy();
    let mut after = 0.0;
    for epoch in 1..=5 {
        trainer.train_epoch(&train).unwrap();
        after = trainer.test(&test).unwrap().accuracy();
        println!("epoch {epoch}: test accuracy {after:.3}");
    }
    assert!(
        before < 0.4,
        "chance is 25%, the untrained network has {before}"
    );
    assert!(after > 0.9, "test accuracy {after} after 5 epochs");
}

/// Same seed, same curve: two GPU runs and the CPU reference train to bit-identical
/// weights through the same accuracies, the samples shuffled each epoch.
#[test]
fn training_is_reproducible_and_the_same_on_gpu_and_cpu() {
    let train = latency::dataset(4, 128, 0.5, 1);
    let test = latency::dataset(4, 64, 0.5, 2);
    let run = |backend: Backend| {
        let config = TrainingConfig {
            shuffle: true,
            ..latency::config(16)
        };
        let mut t = Trainer::new(latency::network(4, 16, 3), config, backend).unwrap();
        let curve: Vec<(u32, u32)> = (0..3)
            .map(|_| {
                let r = t.train_epoch(&train).unwrap();
                (r.correct, t.test(&test).unwrap().correct)
            })
            .collect();
        (
            curve,
            t.weights.iter().map(|w| w.to_bits()).collect::<Vec<_>>(),
        )
    };
    let (gpu_a, gpu_b, cpu) = (run(Backend::Gpu), run(Backend::Gpu), run(Backend::Cpu));
    assert_eq!(gpu_a, gpu_b, "two GPU runs");
    assert_eq!(gpu_a, cpu, "GPU and CPU reference");
    println!("accuracy curve (train, test correct): {:?}", cpu.0);
}

/// e-prop's kernels against their CPU twins: LIF and ALIF, symmetric and random
/// feedback; spikes, recorded values and every instance's gradients bit for bit.
#[test]
fn eprop_gradients_on_the_gpu_equal_the_cpu_twin() {
    let samples = latency::dataset(4, 6, 0.5, 5);
    let refs: Vec<&Sample> = samples.samples.iter().collect();
    let labels: Vec<u32> = samples.samples.iter().map(|s| s.label).collect();
    for (adaptive, feedback) in [
        (false, Feedback::Symmetric),
        (true, Feedback::Symmetric),
        (true, Feedback::Random { sd: 0.5 }),
    ] {
        let run = |backend: Backend| {
            let network = latency::eprop_network(4, 24, adaptive, 7);
            let mut t = Trainer::new(network, latency::eprop_config(6, feedback), backend).unwrap();
            t.gradient(&refs, &Targets::Labels(&labels)).unwrap()
        };
        let (cpu, gpu) = (run(Backend::Cpu), run(Backend::Gpu));
        let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            cpu.history.spikes, gpu.history.spikes,
            "{adaptive} {feedback:?}: spikes"
        );
        assert_eq!(bits(&cpu.history.recorded), bits(&gpu.history.recorded));
        assert_eq!(
            bits(&cpu.per_instance.weights),
            bits(&gpu.per_instance.weights),
            "{adaptive} {feedback:?}: gradients"
        );
        // Every connection learns: input → hidden and the recurrent synapses
        // through eligibility traces, the readouts exactly.
        let t = Trainer::new(
            latency::eprop_network(4, 24, adaptive, 7),
            latency::eprop_config(6, feedback),
            Backend::Cpu,
        )
        .unwrap();
        for c in 0..3 {
            assert!(
                cpu.weights[t.plan().connection_synapses(c)]
                    .iter()
                    .any(|&g| g != 0.0),
                "connection {c}"
            );
        }
    }
}

/// e-prop's γ changed between batches reaches the device (the GPU kept the one it
/// was made with).
#[test]
fn a_gamma_changed_between_batches_reaches_the_gpu() {
    let samples = latency::dataset(4, 6, 0.5, 5);
    let refs: Vec<&Sample> = samples.samples.iter().collect();
    let labels: Vec<u32> = samples.samples.iter().map(|s| s.label).collect();
    let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let run = |backend: Backend| {
        let config = latency::eprop_config(6, Feedback::Symmetric);
        let mut t = Trainer::new(latency::eprop_network(4, 16, false, 1), config, backend).unwrap();
        let mut gradients = Vec::new();
        for gamma in [0.3, 1.0] {
            t.config.method = Method::Eprop(neurodyn::train::Eprop {
                feedback: Feedback::Symmetric,
                gamma,
            });
            let g = t.gradient(&refs, &Targets::Labels(&labels)).unwrap();
            gradients.push(bits(&g.weights));
        }
        gradients
    };
    let (cpu, gpu) = (run(Backend::Cpu), run(Backend::Gpu));
    assert_ne!(cpu[0], cpu[1], "γ moves the gradient");
    assert_eq!(cpu, gpu);
}

/// Onto readouts e-prop's gradient is exact, so it agrees with EventProp's on the
/// same network and loss (to f32 rounding: the two sum in different orders).
#[test]
fn eprop_readout_gradients_equal_eventprops() {
    let samples = latency::dataset(4, 4, 0.5, 6);
    let refs: Vec<&Sample> = samples.samples.iter().collect();
    let labels: Vec<u32> = samples.samples.iter().map(|s| s.label).collect();
    let gradient = |method: Method| {
        let mut config = latency::eprop_config(4, Feedback::Symmetric);
        config.method = method;
        let mut t = Trainer::new(
            latency::eprop_network(4, 16, false, 2),
            config,
            Backend::Cpu,
        )
        .unwrap();
        let g = t.gradient(&refs, &Targets::Labels(&labels)).unwrap();
        g.weights[t.plan().connection_synapses(2)].to_vec()
    };
    let eprop = gradient(Method::Eprop(neurodyn::train::Eprop::default()));
    let eventprop = gradient(Method::EventProp);
    let largest = eventprop.iter().fold(0.0f32, |m, g| m.max(g.abs()));
    assert!(largest > 0.0);
    for (a, b) in eprop.iter().zip(&eventprop) {
        assert!(
            (a - b).abs() <= 1e-4 * largest,
            "e-prop {a} against EventProp {b}"
        );
    }
}

#[test]
fn eprop_learns_the_latency_task_above_80_percent() {
    let (train, test) = (shipped("train"), shipped("test"));
    let network = latency::eprop_network(4, 32, false, 3);
    let mut t = Trainer::new(
        network,
        latency::eprop_config(32, Feedback::Symmetric),
        Backend::Gpu,
    )
    .unwrap();
    let mut accuracy = 0.0;
    for epoch in 1..=6 {
        t.train_epoch(&train).unwrap();
        accuracy = t.test(&test).unwrap().accuracy();
        println!("e-prop epoch {epoch}: test accuracy {accuracy:.3}");
    }
    assert!(accuracy > 0.8, "e-prop reached {accuracy}");
}

#[test]
fn methods_refuse_what_they_cannot_train() {
    let refused = |network: TrainingNetwork, config: TrainingConfig, field: &str| {
        let e = Trainer::new(network, config, Backend::Cpu)
            .err()
            .expect("refused")
            .to_string();
        assert!(e.contains(field), "`{e}` should name `{field}`");
    };
    let mut eventprop = latency::eprop_config(8, Feedback::Symmetric);
    eventprop.method = Method::EventProp;
    refused(latency::eprop_network(4, 8, true, 1), eventprop, "ALIF");
    let mut wrong_loss = latency::eprop_config(8, Feedback::Symmetric);
    wrong_loss.loss = Loss::CrossEntropyMaxVoltage;
    refused(latency::eprop_network(4, 8, false, 1), wrong_loss, "loss");
    let mut delays = latency::eprop_config(8, Feedback::Symmetric);
    delays.delay_optimizer = Some(Optimizer::adam(0.1));
    refused(
        latency::eprop_network(4, 8, false, 1),
        delays,
        "delay_optimizer",
    );
    let bad_feedback = latency::eprop_config(8, Feedback::Random { sd: f64::NAN });
    refused(
        latency::eprop_network(4, 8, false, 1),
        bad_feedback,
        "method.feedback.sd",
    );
    let mut spiking_output = latency::eprop_config(8, Feedback::Symmetric);
    spiking_output.output = "hidden".into();
    refused(
        latency::eprop_network(4, 8, false, 1),
        spiking_output,
        "output",
    );
}

/// A file in the Spiking Heidelberg Digits layout (times in seconds, units, labels as
/// HDF5 variable-length arrays) reads as the samples it holds, times in ms.
#[cfg(feature = "sonata")]
#[test]
fn shd_files_load_with_their_samples() {
    use hdf5::types::VarLenArray;
    let path = std::env::temp_dir().join(format!("neurodyn-shd-{}.h5", std::process::id()));
    {
        let file = hdf5::File::create(&path).unwrap();
        let spikes = file.create_group("spikes").unwrap();
        let times = [
            VarLenArray::from_slice(&[0.0015f32, 0.25]),
            VarLenArray::from_slice(&[0.5f32]),
        ];
        let units = [
            VarLenArray::from_slice(&[699u16, 3]),
            VarLenArray::from_slice(&[10u16]),
        ];
        spikes
            .new_dataset_builder()
            .with_data(&times[..])
            .create("times")
            .unwrap();
        spikes
            .new_dataset_builder()
            .with_data(&units[..])
            .create("units")
            .unwrap();
        file.new_dataset_builder()
            .with_data(&[7u16, 19][..])
            .create("labels")
            .unwrap();
    }
    let data = EventDataset::load_shd(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!((data.channels, data.classes), (700, 20));
    assert_eq!(data.samples.len(), 2);
    assert_eq!(data.samples[0].label, 7);
    assert_eq!(data.samples[0].events, vec![(1.5, 699), (250.0, 3)]);
    assert_eq!(data.samples[1].events, vec![(500.0, 10)]);
}

/// A batch whose buffers the device cannot hold is refused before anything is made,
/// naming the buffer and the limit.
#[test]
fn a_batch_too_large_for_the_device_is_refused_naming_the_buffer() {
    let mut config = neurodyn::train::shd::config(Loss::CrossEntropyMaxVoltage, 1e-3, 20_000);
    config.batch_size = 20_000;
    let mut t = Trainer::new(
        neurodyn::train::shd::network(256, 1000.0, 1),
        config,
        Backend::Gpu,
    )
    .unwrap();
    let data = EventDataset::poisson(700, 20, 2, 10.0, 100.0, 1);
    let refs: Vec<&Sample> = data.samples.iter().collect();
    let e = t.train_batch(&refs).unwrap_err();
    assert!(matches!(e, neurodyn::Error::TooLarge { .. }), "{e}");
    let message = e.to_string();
    assert!(
        message.contains("train ") && message.contains("smaller batch"),
        "{message}"
    );
}

/// What a batch or a setting cannot be is refused with its reason, before anything
/// runs; an empty batch changes nothing.
#[test]
fn bad_batches_and_settings_are_refused() {
    // An adapter no device has: refused when the trainer is made (it was found only at
    // the first batch, when the device is opened).
    let named = Backend::GpuNamed("no such adapter".into());
    let e = Trainer::new(latency::network(4, 8, 3), latency::config(4), named).err();
    let e = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        e.contains("backend") && e.contains("no such adapter"),
        "{e}"
    );
    let mut t = Trainer::new(latency::network(4, 8, 3), latency::config(4), Backend::Cpu).unwrap();
    let outside = Sample {
        events: vec![(1.0, 4)],
        label: 0,
    };
    let e = t.train_batch(&[&outside]).unwrap_err().to_string();
    assert!(e.contains("channel 4") && e.contains("4 channels"), "{e}");
    let before = t.weights.clone();
    let r = t.train_batch(&[]).unwrap();
    assert_eq!((r.samples, r.correct), (0, 0));
    assert_eq!(t.weights, before, "an empty batch moves no weight");
    // A batch beyond 32-bit indexing is refused before anything is allocated.
    assert!(t.plan().check_batch(u32::MAX).is_err());
    // A batch size of 0 set after the trainer was made, and a connection it lacks.
    assert!(t.connection_weights(0).is_some() && t.connection_weights(9).is_none());
    t.config.batch_size = 0;
    let data = EventDataset::poisson(4, 4, 2, 10.0, 50.0, 1);
    let e = t.train_epoch(&data).unwrap_err().to_string();
    assert!(e.contains("config.batch_size"), "{e}");
    let with = |change: &dyn Fn(&mut TrainingConfig)| {
        let mut config = latency::config(4);
        change(&mut config);
        Trainer::new(latency::network(4, 8, 3), config, Backend::Cpu)
            .err()
            .map(|e| e.to_string())
    };
    let e = with(&|c| c.loss = Loss::CrossEntropyFirstSpike { tau0_ms: 0.0 }).unwrap();
    assert!(e.contains("loss.tau0_ms"), "{e}");
    let e = with(&|c| {
        c.optimizer = Optimizer::Adam {
            learning_rate: 0.01,
            beta1: 1.0,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    })
    .unwrap();
    assert!(e.contains("optimizer.beta1"), "{e}");
    let e = with(&|c| c.loss = Loss::CrossEntropyMaxVoltage).unwrap();
    assert!(e.contains("output"), "a readout loss on LIF outputs: {e}");

    // The public settings changed after the trainer was made are checked again
    // before a run (beta1 = 1 made every weight NaN; an infinite delay overflowed the
    // ring's depth; a short weight vector indexed past its end).
    let sample = Sample {
        events: vec![(1.0, 0)],
        label: 0,
    };
    let after = |change: &dyn Fn(&mut Trainer)| {
        let mut t =
            Trainer::new(latency::network(4, 8, 3), latency::config(4), Backend::Cpu).unwrap();
        change(&mut t);
        t.train_batch(&[&sample]).unwrap_err().to_string()
    };
    let e = after(&|t| {
        t.config.optimizer = Optimizer::Adam {
            learning_rate: 0.01,
            beta1: 1.0,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    });
    assert!(e.contains("optimizer.beta1"), "{e}");
    let e = after(&|t| t.delays_ms[0] = f32::INFINITY);
    assert!(e.contains("delays_ms"), "{e}");
    let e = after(&|t| {
        t.weights.pop();
    });
    assert!(e.contains("weights") && e.contains("synapses"), "{e}");
    let e = after(&|t| t.weights[3] = f32::NAN);
    assert!(e.contains("weights"), "{e}");
    let e = after(&|t| t.config.output = "hidden".into());
    assert!(e.contains("make a new trainer"), "{e}");
    // The network made the plan: a change to it would not reach the run.
    let e = after(&|t| t.network.layers[1].size = 9);
    assert!(
        e.contains("`network`") && e.contains("make a new trainer"),
        "{e}"
    );
    let e = after(&|t| t.network.trial_ms = f64::NAN);
    assert!(e.contains("`network`"), "{e}");
}

/// A target that is not finite, and an update that overflows, are refused on both
/// backends (a NaN became every weight's floor, -3.4e38, without a word).
#[test]
fn a_loss_or_an_update_that_is_not_finite_is_refused() {
    let (sample, _) = inputs(0.01);
    for backend in [Backend::Cpu, Backend::Gpu] {
        let name = format!("{backend:?}");
        let mut t = trainer_on(Loss::MeanSquaredVoltage, 0.01, backend);
        let values = (t.plan().steps * 3) as usize;
        let mut traces = vec![20.0f32; values];
        traces[45] = f32::NAN;
        let before = t.weights.clone();
        let e = t
            .train_batch_with(&[&sample], &Targets::Traces(&traces))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("target trace value 45 (instance 0, step 15, neuron 0) is NaN"),
            "{name}: {e}"
        );
        assert_eq!(t.weights, before, "{name}");
        traces[45] = 20.0;
        t.config.optimizer = Optimizer::Sgd {
            learning_rate: f32::MAX,
            momentum: 0.0,
        };
        let e = t
            .train_batch_with(&[&sample], &Targets::Traces(&traces))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`weights[") && e.contains("the update made it") && e.contains("inf"),
            "{name}: {e}"
        );
    }
}

#[test]
fn layers_and_weights_outside_f32_or_that_never_learn_are_refused() {
    let mut network = latency::network(4, 8, 3);
    if let neurodyn::train::LayerKind::Lif(p) = &mut network.layers[1].kind {
        p.v_thresh = f64::INFINITY;
    } else {
        panic!("{:?}", network.layers[1].kind);
    }
    let e = Trainer::new(network, latency::config(4), Backend::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("layers[1].v_thresh"), "{e}");
    let mut network = latency::network(4, 8, 3);
    network.connections[0].weights = neurodyn::train::Weights::Normal {
        mean: 1e39,
        sd: 1.0,
    };
    let e = Trainer::new(network, latency::config(4), Backend::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("connections[0].weights.mean"), "{e}");
}

#[test]
fn a_first_spike_loss_far_below_f64s_range_stays_finite() {
    // τ0 = 0.01 ms makes logits 2,500 apart over the 25 ms trial: the label's
    // probability underflows to 0 and its logarithm was −∞.
    let mut config = latency::config(4);
    config.loss = Loss::CrossEntropyFirstSpike { tau0_ms: 0.01 };
    let mut t = Trainer::new(latency::network(4, 8, 3), config, Backend::Cpu).unwrap();
    let data = latency::dataset(4, 8, 2.0, 3);
    let refs: Vec<&Sample> = data.samples.iter().collect();
    let r = t.evaluate(&refs).unwrap();
    assert!(r.loss.is_finite(), "{}", r.loss);
}

/// A shuffled epoch visits every sample once, in an order of its own drawn from the
/// seed (the same again for the same seed and epoch); training with it differs from
/// training in the dataset's order.
#[test]
fn shuffled_epochs_are_permutations_drawn_from_the_seed() {
    let orders: Vec<Vec<usize>> = (0..3).map(|e| epoch_order(7, e, 50)).collect();
    for order in &orders {
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }
    assert_ne!(orders[0], orders[1]);
    assert_ne!(orders[1], orders[2]);
    assert_ne!(orders[0], (0..50).collect::<Vec<_>>());
    assert_ne!(orders[1], epoch_order(8, 1, 50));

    let train = latency::dataset(4, 16, 0.5, 1);
    let weights_after = |shuffle: bool| {
        let config = TrainingConfig {
            shuffle,
            ..latency::config(4)
        };
        let mut t = Trainer::new(latency::network(4, 8, 3), config, Backend::Cpu).unwrap();
        t.train_epoch(&train).unwrap();
        assert_eq!(t.epochs(), 1);
        t.weights.clone()
    };
    assert_ne!(weights_after(true), weights_after(false));
}
