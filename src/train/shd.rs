//! The Spiking Heidelberg Digits set-up of `examples/shd.rs` and `benches/training.rs`
//! (after Nowotny et al. 2022): 700 inputs → recurrent LIF (τm = 20 ms, τs = 5 ms)
//! → 20 readouts, 1 ms steps, EventProp with Adam.

use super::eprop::Method;
use super::loss::Loss;
use super::network::{Connection, Delays, LayerKind, Lif, Readout, TrainingNetwork, Weights};
use super::optimizer::Optimizer;
use super::trainer::TrainingConfig;

/// SHD's input channels and classes.
pub const CHANNELS: u32 = 700;
pub const CLASSES: u32 = 20;

/// The network, over the first `trial_ms` of each sample. Nowotny et al.'s initial
/// weights, given in units of the threshold, are scaled by the 15 mV from rest to
/// threshold.
pub fn network(hidden: u32, trial_ms: f64, seed: u64) -> TrainingNetwork {
    let lif = Lif {
        tau_m: 20.0,
        tau_syn: 5.0,
        ..Lif::default()
    };
    let readout = Readout {
        tau_m: 20.0,
        tau_syn: 5.0,
        ..Readout::default()
    };
    let mut network = TrainingNetwork::new(1.0, trial_ms, seed);
    network
        .add_layer("input", CHANNELS, LayerKind::Input)
        .add_layer("hidden", hidden, LayerKind::Lif(lif))
        .add_layer("output", CLASSES, LayerKind::Readout(readout));
    let delay = || Delays::Constant { ms: 1.0 };
    network
        .connect(Connection::new(
            "input",
            "hidden",
            Weights::Normal {
                mean: 0.45,
                sd: 0.15,
            },
            delay(),
        ))
        .connect(Connection::new(
            "hidden",
            "hidden",
            Weights::Normal { mean: 0.0, sd: 0.3 },
            delay(),
        ))
        .connect(Connection::new(
            "hidden",
            "output",
            Weights::Normal {
                mean: 0.0,
                sd: 0.45,
            },
            delay(),
        ));
    network
}

/// EventProp with `loss` on the readouts, Adam at `learning_rate`.
pub fn config(loss: Loss, learning_rate: f32, batch_size: u32) -> TrainingConfig {
    TrainingConfig {
        method: Method::EventProp,
        loss,
        output: "output".into(),
        optimizer: Optimizer::adam(learning_rate),
        delay_optimizer: None,
        batch_size,
        shuffle: true,
    }
}
