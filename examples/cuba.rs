//! CUBA benchmark (Vogels & Abbott 2005; Brette et al. 2007, benchmark 2) from
//! `models/cuba.toml`, through the library: 4000 LIF neurons, 1 s simulated at
//! dt = 0.1 ms. Prints per-population rate, CV ISI, wall time and real-time factor.
//!
//! `cargo run --release --example cuba [-- --cpu] [-- --seed N]`

use std::path::Path;
use std::time::Instant;

use neurodyn::{model::file, Backend, Simulation};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args: Vec<String> = std::env::args().collect();
    let backend = if args.iter().any(|a| a == "--cpu") {
        Backend::Cpu
    } else {
        Backend::Gpu
    };
    let seed = args
        .iter()
        .position(|a| a == "--seed")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1);
    let duration_ms = 1000.0;

    // The model file `neurodyn run models/cuba.toml` runs, with the seed from the command line.
    let mut network = file::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/cuba.toml"
    )))?
    .network;
    network.seed = seed;
    let build = Instant::now();
    let mut sim = Simulation::new(&network, backend)?;
    let build_s = build.elapsed().as_secs_f64();
    let run = Instant::now();
    sim.run_ms(duration_ms)?;
    let run_s = run.elapsed().as_secs_f64();

    println!(
        "CUBA, {} synapses, seed {seed}, on {}",
        sim.plan().synapses.len(),
        sim.device()
    );
    println!(
        "{:<6} {:>8} {:>8} {:>10} {:>8}",
        "pop", "neurons", "spikes", "rate (Hz)", "CV ISI"
    );
    for record in sim.spike_records() {
        let cv = record
            .cv_isi()
            .map_or("-".to_string(), |cv| format!("{cv:.3}"));
        println!(
            "{:<6} {:>8} {:>8} {:>10.2} {:>8}",
            record.population,
            record.size,
            record.len(),
            record.mean_rate_hz(),
            cv
        );
    }
    println!("build {build_s:.3} s, run {run_s:.3} s for {duration_ms} ms simulated");
    println!(
        "real-time factor (wall / simulated): {:.3}",
        run_s / (duration_ms / 1000.0)
    );
    Ok(())
}
