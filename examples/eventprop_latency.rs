//! EventProp on the synthetic latency task (`neurodyn::train::latency`): 4 input
//! channels each fire once, with 0.5 ms jitter, and the class is the channel that
//! fires first. 4 inputs → 32 LIF → 4 LIF outputs, cross-entropy on the outputs'
//! first spike times, Adam, batches of 32. Prints the loss and accuracy per epoch
//! (chance: 25%) and the wall time.
//!
//! `--eprop` learns the same task with e-prop instead: 4 inputs → 32 recurrent LIF
//! (`--alif`: adaptive LIF) → 4 readouts, the per-step cross-entropy, symmetric
//! feedback (`--random-feedback`: fixed random weights of SD 0.5).
//!
//! The dataset is the one shipped in `data/latency/` (512 training and 256 test
//! samples, `.npy` events and labels); `--write-data DIR` writes it again from the
//! generator (`latency::dataset(4, 512, 0.5, 1)` and `(4, 256, 0.5, 2)`).
//!
//! `cargo run --release --example eventprop_latency [-- --cpu] [-- --epochs N]
//! [-- --hidden N] [-- --eprop [--alif] [--random-feedback]] [-- --data DIR]
//! [-- --write-data DIR]`

#[path = "common/args.rs"]
mod args;
#[path = "common/epochs.rs"]
mod epochs;

use std::path::{Path, PathBuf};

use neurodyn::train::{latency, EventDataset, Feedback, Trainer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args::Args::from_env();
    if let Some(dir) = args.text("--write-data") {
        let dir = Path::new(dir);
        std::fs::create_dir_all(dir)?;
        for (name, data) in [
            ("train", latency::dataset(4, 512, 0.5, 1)),
            ("test", latency::dataset(4, 256, 0.5, 2)),
        ] {
            data.save_npy(
                &dir.join(format!("{name}_events.npy")),
                &dir.join(format!("{name}_labels.npy")),
            )?;
        }
        println!("wrote {}", dir.display());
        return Ok(());
    }
    let data: PathBuf = args.value("--data", PathBuf::from("data/latency"))?;
    let load = |name: &str| {
        EventDataset::load_npy(
            &data.join(format!("{name}_events.npy")),
            &data.join(format!("{name}_labels.npy")),
        )
    };
    let (train, test) = (load("train")?, load("test")?);
    let epochs: u32 = args.value("--epochs", 10)?;
    let hidden: u32 = args.value("--hidden", 32)?;
    let (network, config, shape) = if args.has("--eprop") {
        let feedback = if args.has("--random-feedback") {
            Feedback::Random { sd: 0.5 }
        } else {
            Feedback::Symmetric
        };
        let alif = args.has("--alif");
        let network = latency::eprop_network(4, hidden, alif, 3);
        let kind = if alif { "ALIF" } else { "LIF" };
        (
            network,
            latency::eprop_config(32, feedback),
            format!("e-prop ({feedback:?} feedback): 4 → {hidden} recurrent {kind} → 4 readouts"),
        )
    } else {
        (
            latency::network(4, hidden, 3),
            latency::config(32),
            format!("EventProp: 4 → {hidden} LIF → 4 LIF"),
        )
    };
    let mut trainer = Trainer::new(network, config, args.backend())?;
    println!(
        "latency task: {} training, {} test samples; {shape}",
        train.samples.len(),
        test.samples.len()
    );
    epochs::train_and_report(&mut trainer, &train, &test, epochs)?;
    Ok(())
}
