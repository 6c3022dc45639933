//! What the benchmark examples share: run a model file through the library and print
//! per-population rate and CV ISI, wall time and real-time factor.

use std::path::Path;
use std::time::Instant;

use neurodyn::{model::file, Backend, Network, Simulation};

mod args;
pub use args::Args;

/// Options every example reads from its command line: `--cpu`, `--seed N`, `--ms T`.
pub struct Options {
    pub backend: Backend,
    pub seed: Option<u64>,
    pub duration_ms: Option<f64>,
}

impl Options {
    pub fn from_args(args: &Args) -> Result<Self, String> {
        Ok(Self {
            backend: args.backend(),
            seed: args.optional("--seed")?,
            duration_ms: args.optional("--ms")?,
        })
    }
}

/// Loads `models/<name>.toml`; returns its network and duration with the options applied.
pub fn load(name: &str, options: &Options) -> Result<(Network, f64), Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(format!("{name}.toml"));
    let model = file::load(&path)?;
    let mut network = model.network;
    if let Some(seed) = options.seed {
        network.seed = seed;
    }
    Ok((network, options.duration_ms.unwrap_or(model.duration_ms)))
}

/// Builds, runs and prints the summary.
pub fn run(
    title: &str,
    network: &Network,
    duration_ms: f64,
    backend: Backend,
) -> Result<(), Box<dyn std::error::Error>> {
    // lavapipe's thread count as the network prefers, unless the user set it.
    neurodyn::lavapipe::ThreadChoice::at_start().apply(network);
    let build = Instant::now();
    let mut sim = Simulation::new(network, backend)?;
    let build_s = build.elapsed().as_secs_f64();
    let run = Instant::now();
    sim.run_ms(duration_ms)?;
    let run_s = run.elapsed().as_secs_f64();

    println!(
        "{title}: {} neurons, {:.0} synapses ({} stored), seed {}, on {}",
        sim.plan().n_neurons(),
        sim.plan().synapse_count(),
        sim.plan().synapses.len(),
        network.seed,
        sim.device()
    );
    println!(
        "{:<6} {:>8} {:>9} {:>10} {:>8}",
        "pop", "neurons", "spikes", "rate (Hz)", "CV ISI"
    );
    for record in sim.spike_records() {
        let cv = record
            .cv_isi()
            .map_or("-".to_string(), |cv| format!("{cv:.3}"));
        println!(
            "{:<6} {:>8} {:>9} {:>10.2} {:>8}",
            record.population,
            record.size,
            record.len(),
            record.mean_rate_hz(),
            cv
        );
    }
    println!("build {build_s:.3} s, run {run_s:.3} s for {duration_ms} ms simulated");
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        })
        .map_or("unknown".to_string(), |kib| format!("{kib} KiB"));
    println!(
        "device buffers {}, peak resident memory {peak}",
        neurodyn::plan::memory::format_bytes(sim.plan().memory_bytes())
    );
    println!(
        "real-time factor (wall / simulated): {:.3}",
        run_s / (duration_ms / 1000.0)
    );
    Ok(())
}
