//! Izhikevich (2006) polychronization network (`models/izhikevich2006.toml`): 1000
//! Izhikevich neurons, excitatory delays 1–20 ms, nearest-neighbour additive STDP on
//! the excitatory synapses. Every simulated minute it prints the rates and the
//! histogram of the excitatory weights; at the end it plots the histograms of the
//! first and the last minute into `izhikevich2006.png`. Under STDP the weights leave
//! their common start (6 mV) for the bounds 0 and 10 mV: the distribution becomes
//! bimodal.
//!
//! `cargo run --release --example izhikevich2006 [-- --cpu] [-- --minutes M] [-- --out FILE]`

#[path = "common/args.rs"]
mod args;

use std::path::{Path, PathBuf};
use std::time::Instant;

use neurodyn::model::file;
use neurodyn::record::{line_plot, Series};
use neurodyn::Simulation;

/// Histogram bins over [0, w_max].
const BINS: usize = 10;
const W_MAX: f64 = 10.0;

fn histogram(weights: &[f32]) -> Vec<f64> {
    let mut counts = [0f64; BINS];
    for &w in weights {
        let bin = ((f64::from(w) / W_MAX * BINS as f64) as usize).min(BINS - 1);
        counts[bin] += 1.0;
    }
    counts.iter().map(|c| c / weights.len() as f64).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args::Args::from_env();
    let backend = args.backend();
    let minutes: u32 = args.value("--minutes", 60)?;
    let out = PathBuf::from(args.text("--out").unwrap_or("izhikevich2006.png"));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/izhikevich2006.toml");
    let network = file::load(&path)?.network;

    let start = Instant::now();
    neurodyn::lavapipe::ThreadChoice::at_start().apply(&network);
    let mut sim = Simulation::new(&network, backend)?;
    println!(
        "Izhikevich (2006) on {}: {} neurons, {:.0} synapses ({} plastic)",
        sim.device(),
        sim.plan().n_neurons(),
        sim.plan().synapse_count(),
        sim.plan().plastic.len()
    );
    let labels: Vec<String> = (0..BINS)
        .map(|b| format!("{:.0}-{:.0}", b as f64, b as f64 + 1.0))
        .collect();
    println!(
        "{:>6} {:>7} {:>7}  E->E weight fraction per mV bin: {}",
        "minute",
        "E (Hz)",
        "I (Hz)",
        labels.join(" ")
    );
    let mut first = Vec::new();
    let mut last = Vec::new();
    for minute in 1..=minutes {
        sim.run_ms(60_000.0)?;
        let records = sim.drain_spikes();
        let rate = |name: &str| {
            records
                .iter()
                .find(|r| r.population == name)
                .map_or(0.0, |r| r.mean_rate_hz())
        };
        let h = histogram(&sim.weights(0)?);
        println!(
            "{minute:>6} {:>7.2} {:>7.2}  {}",
            rate("E"),
            rate("I"),
            h.iter()
                .map(|f| format!("{f:>5.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        if minute == 1 {
            first = h.clone();
        }
        last = h;
    }
    let wall = start.elapsed().as_secs_f64();
    let low_high = last[0] + last[BINS - 1];
    println!(
        "wall time {wall:.1} s for {minutes} min simulated (real-time factor {:.2}); \
         {:.1}% of E->E weights now lie within 1 mV of a bound",
        wall / (f64::from(minutes) * 60.0),
        100.0 * low_high
    );
    let series = |name: &str, h: &[f64]| Series {
        name: name.to_string(),
        points: h
            .iter()
            .enumerate()
            .map(|(b, &f)| (b as f64 + 0.5, f))
            .collect(),
    };
    line_plot(
        &out,
        "Izhikevich (2006): E->E weight distribution",
        "weight (mV)",
        "fraction of synapses",
        &[
            series("after 1 minute", &first),
            series(&format!("after {minutes} minutes"), &last),
        ],
    )?;
    println!("plot: {}", out.display());
    Ok(())
}
