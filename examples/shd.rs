//! EventProp on the Spiking Heidelberg Digits (Cramer et al. 2022): spoken digits
//! 0–9 in English and German as spikes of 700 cochlear channels, 20 classes. The
//! user supplies the files (`shd_train.h5`, `shd_test.h5` from
//! https://zenkelab.org/datasets/, unpacked); they are read with the HDF5 library
//! (`--features sonata`).
//!
//! The network (`neurodyn::train::shd`) follows Nowotny et al. (2022, EventProp with
//! loss shaping on SHD): 700 inputs → `--hidden` (256) recurrent LIF (τm = 20 ms,
//! τs = 5 ms) → 20 readouts,
//! 1 ms steps over the first `--trial-ms` (1000) ms of each sample, cross-entropy on
//! the readouts' largest potential (`--loss mean`: their mean), Adam (`--lr`, 1e-3),
//! batches of `--batch` (32). Prints the training loss and accuracy and the test
//! accuracy per epoch. `--max-samples N` trains and tests on the first N samples of
//! each file (a quick check of the set-up).
//!
//! `cargo run --release --features sonata --example shd -- --train PATH --test PATH
//! [--epochs N] [--hidden N] [--trial-ms T] [--loss max|mean] [--lr X] [--batch B]
//! [--max-samples N] [--cpu]`

#[path = "common/args.rs"]
mod args;
#[path = "common/epochs.rs"]
mod epochs;

use std::path::PathBuf;

use neurodyn::train::{shd, EventDataset, Loss, Trainer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args::Args::from_env();
    let (Some(train), Some(test)) = (args.text("--train"), args.text("--test")) else {
        return Err("give the SHD files: --train shd_train.h5 --test shd_test.h5".into());
    };
    let limit: usize = args.value("--max-samples", usize::MAX)?;
    let load = |path: &str| -> Result<EventDataset, Box<dyn std::error::Error>> {
        let mut data = EventDataset::load_shd(&PathBuf::from(path))?;
        data.samples.truncate(limit);
        Ok(data)
    };
    let (train, test) = (load(train)?, load(test)?);
    let hidden: u32 = args.value("--hidden", 256)?;
    let trial_ms: f64 = args.value("--trial-ms", 1000.0)?;
    let loss = match args.text("--loss").unwrap_or("max") {
        "max" => Loss::CrossEntropyMaxVoltage,
        "mean" => Loss::CrossEntropyMeanVoltage,
        other => return Err(format!("--loss `{other}`: max or mean").into()),
    };
    let network = shd::network(hidden, trial_ms, 1);
    let config = shd::config(loss, args.value("--lr", 1e-3)?, args.value("--batch", 32)?);
    let mut trainer = Trainer::new(network, config, args.backend())?;
    println!(
        "SHD: {} training, {} test samples; 700 → {hidden} recurrent LIF → 20 readouts, {trial_ms} ms",
        train.samples.len(),
        test.samples.len()
    );
    epochs::train_and_report(&mut trainer, &train, &test, args.value("--epochs", 20u32)?)?;
    Ok(())
}
