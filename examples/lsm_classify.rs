//! A liquid state machine classifying spike patterns (`neurodyn::lsm`): 10 classes of
//! 40-channel Poisson templates, presented with 2 ms jitter and 10% of spikes
//! dropped, streamed into a 1000-neuron LIF reservoir (`spike_source_stream`); one
//! readout per class learns online by the error-modulated rule, its error (target
//! rate minus its rate) set by the host after each 20 ms window. Prints the training
//! and test accuracy per epoch (chance: 10%).
//!
//! `--small` runs the reduced configuration the tests run (300 neurons, 5 samples
//! per class and epoch).
//!
//! `cargo run --release --example lsm_classify [-- --cpu] [-- --small] [-- --epochs N]
//! [-- --samples N] [-- --eta ETA]`

#[path = "common/args.rs"]
mod args;

use neurodyn::lsm::{Lsm, LsmTask};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args::Args::from_env();
    let backend = args.backend();
    let epochs: u32 = args.value("--epochs", 5)?;
    let (mut task, samples) = if args.has("--small") {
        (LsmTask::small(), 5)
    } else {
        (LsmTask::default(), 10)
    };
    task.eta = args.value("--eta", task.eta)?;
    let samples: u32 = args.value("--samples", samples)?;
    println!(
        "LSM: {} classes, {} channels, {} reservoir neurons, {samples} samples per class and epoch",
        task.classes, task.channels, task.reservoir
    );
    neurodyn::lavapipe::ThreadChoice::at_start().apply(&task.network());
    let mut lsm = Lsm::new(task, backend)?;
    println!(
        "{:>6} {:>10} {:>10} {:>14}",
        "epoch", "train", "test", "reservoir Hz"
    );
    let start = std::time::Instant::now();
    for epoch in 1..=epochs {
        let r = lsm.epoch(epoch, samples)?;
        println!(
            "{:>6} {:>9.1}% {:>9.1}% {:>14.2}",
            r.epoch,
            100.0 * r.train_accuracy,
            100.0 * r.test_accuracy,
            r.reservoir_hz
        );
    }
    println!("wall time {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
