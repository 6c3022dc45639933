//! The synthetic latency task (shipped for tests and `examples/eventprop_latency.rs`):
//! a few input channels each fire once, and the class is the channel that fires
//! first.

use super::dataset::{EventDataset, Sample};
use super::eprop::{Eprop, Feedback};
use super::loss::Loss;
use super::network::{Alif, Connection, Delays, LayerKind, Lif, Readout, TrainingNetwork, Weights};
use super::optimizer::Optimizer;
use super::{Method, TrainingConfig};
use crate::cpu::rng::HostStream;

const STREAM_LATENCY: u32 = 0x4c61_7465; // "Late"

/// `samples` samples over `channels` channels: the first spike comes at 1–3 ms, every
/// other channel's 2–12 ms after it, and all times then get Gaussian jitter of
/// `jitter_ms` (the label is taken after the jitter, so it always names the channel
/// that fired first). Drawn from the counter RNG keyed by `seed`, sample by sample.
pub fn dataset(channels: u32, samples: u32, jitter_ms: f64, seed: u64) -> EventDataset {
    // Without channels there is no first one: no samples.
    let samples = (0..if channels == 0 { 0 } else { samples })
        .map(|k| {
            let mut rng = HostStream::new(seed, STREAM_LATENCY, k);
            let first = rng.below(channels);
            let start = 1.0 + 2.0 * rng.next_f64();
            let mut events: Vec<(f32, u32)> = (0..channels)
                .map(|c| {
                    let base = if c == first {
                        start
                    } else {
                        start + 2.0 + 10.0 * rng.next_f64()
                    };
                    ((base + jitter_ms * rng.next_normal()).max(0.0) as f32, c)
                })
                .collect();
            events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            Sample {
                label: events[0].1,
                events,
            }
        })
        .collect();
    EventDataset {
        channels,
        classes: channels,
        samples,
    }
}

/// The network the task is learnt with: `channels` inputs → `hidden` LIF neurons →
/// `channels` LIF outputs, 0.1 ms steps over a 25 ms trial, 1 ms delays.
pub fn network(channels: u32, hidden: u32, seed: u64) -> TrainingNetwork {
    let mut net = TrainingNetwork::new(0.1, 25.0, seed);
    let lif = Lif {
        tau_m: 10.0,
        tau_syn: 5.0,
        ..Lif::default()
    };
    net.add_layer("input", channels, LayerKind::Input)
        .add_layer("hidden", hidden, LayerKind::Lif(lif))
        .add_layer("output", channels, LayerKind::Lif(lif));
    let delay = Delays::Constant { ms: 1.0 };
    net.connect(Connection::new(
        "input",
        "hidden",
        Weights::Normal { mean: 4.0, sd: 3.0 },
        delay.clone(),
    ))
    .connect(Connection::new(
        "hidden",
        "output",
        Weights::Normal { mean: 1.0, sd: 1.0 },
        delay,
    ));
    net
}

/// Cross-entropy on the output neurons' first spike times, Adam.
pub fn config(batch_size: u32) -> TrainingConfig {
    TrainingConfig {
        method: Method::EventProp,
        loss: Loss::CrossEntropyFirstSpike { tau0_ms: 2.0 },
        output: "output".into(),
        optimizer: Optimizer::adam(0.01),
        delay_optimizer: None,
        batch_size,
        shuffle: false,
    }
}

/// The network e-prop learns the task with: `channels` inputs → `hidden` recurrent
/// neurons (ALIF where `adaptive`, else LIF) → `channels` readouts, 0.1 ms steps over
/// a 25 ms trial, 1 ms delays.
pub fn eprop_network(channels: u32, hidden: u32, adaptive: bool, seed: u64) -> TrainingNetwork {
    let lif = Lif {
        tau_m: 10.0,
        tau_syn: 5.0,
        ..Lif::default()
    };
    let kind = if adaptive {
        LayerKind::Alif(Alif {
            lif,
            tau_adapt: 50.0,
            beta: 1.5,
        })
    } else {
        LayerKind::Lif(lif)
    };
    let readout = Readout {
        tau_m: 10.0,
        tau_syn: 5.0,
        ..Readout::default()
    };
    let mut net = TrainingNetwork::new(0.1, 25.0, seed);
    net.add_layer("input", channels, LayerKind::Input)
        .add_layer("hidden", hidden, kind)
        .add_layer("output", channels, LayerKind::Readout(readout));
    let delay = || Delays::Constant { ms: 1.0 };
    net.connect(Connection::new(
        "input",
        "hidden",
        Weights::Normal { mean: 4.0, sd: 3.0 },
        delay(),
    ))
    .connect(Connection::new(
        "hidden",
        "hidden",
        Weights::Normal { mean: 0.0, sd: 0.5 },
        delay(),
    ))
    .connect(Connection::new(
        "hidden",
        "output",
        Weights::Normal { mean: 0.0, sd: 0.5 },
        delay(),
    ));
    net
}

/// e-prop with the given feedback, per-step cross-entropy on the readouts, Adam.
pub fn eprop_config(batch_size: u32, feedback: Feedback) -> TrainingConfig {
    TrainingConfig {
        method: Method::Eprop(Eprop {
            feedback,
            gamma: 0.3,
        }),
        loss: Loss::CrossEntropyPerStep,
        output: "output".into(),
        optimizer: Optimizer::adam(0.01),
        delay_optimizer: None,
        batch_size,
        shuffle: false,
    }
}
