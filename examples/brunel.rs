//! Brunel (2000) sparse balanced network of `iaf_psc_delta` neurons, from
//! `models/brunel.toml` (NEST's brunel_delta_nest form), in any of the paper's four
//! regimes and at any size with the in-degrees kept (C_E = 1000, C_I = 250).
//! Prints per-population rate, CV ISI, wall time and real-time factor.
//!
//! `cargo run --release --example brunel -- [--regime A|B|C|D] [--order N] [--ms T] [--cpu]`
//! (order 2500 = 12,500 neurons; the regimes: A g=3 η=2 synchronous regular,
//! B g=6 η=4 fast oscillation, C g=5 η=2 asynchronous irregular, D g=4.5 η=0.9 slow
//! oscillation).

use std::path::Path;
use std::time::Instant;

use neurodyn::model::{file, Connectivity, Stimulus, Value};
use neurodyn::{Backend, Simulation};

fn arg<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let regime: String = arg(&args, "--regime").unwrap_or_else(|| "C".into());
    let (g, eta) = match regime.as_str() {
        "A" => (3.0, 2.0),
        "B" => (6.0, 4.0),
        "C" => (5.0, 2.0),
        "D" => (4.5, 0.9),
        other => return Err(format!("unknown regime `{other}`: use A, B, C or D").into()),
    };
    let order: u32 = arg(&args, "--order").unwrap_or(2500);
    let duration_ms: f64 = arg(&args, "--ms").unwrap_or(1000.0);
    let backend = if args.iter().any(|a| a == "--cpu") {
        Backend::Cpu
    } else {
        Backend::Gpu
    };

    let mut network = file::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/brunel.toml"
    )))?
    .network;
    let (j, c_e, tau_m, theta) = (0.1, 1000.0, 20.0, 20.0);
    network.populations[0].size = 4 * order;
    network.populations[1].size = order;
    for projection in &mut network.projections {
        if projection.pre == "I" {
            projection.weight = Value::constant(-g * j);
        }
        // In-degrees stay at C_E = 1000 and C_I = 250 whatever the size, which needs
        // enough presynaptic neurons.
        if let Connectivity::FixedInDegree { k, .. } = &mut projection.connectivity {
            *k = (*k).min(if projection.pre == "E" {
                4 * order
            } else {
                order
            });
        }
    }
    let nu_ext_hz = eta * theta / (j * c_e * tau_m) * 1000.0 * c_e;
    for stimulus in &mut network.stimuli {
        if let Stimulus::Poisson { rate_hz, .. } = stimulus {
            *rate_hz = nu_ext_hz;
        }
    }

    let build = Instant::now();
    let mut sim = Simulation::new(&network, backend)?;
    let build_s = build.elapsed().as_secs_f64();
    let run = Instant::now();
    sim.run_ms(duration_ms)?;
    let run_s = run.elapsed().as_secs_f64();

    println!(
        "Brunel regime {regime} (g = {g}, η = {eta}), {} neurons, {} synapses, on {}",
        5 * order,
        sim.plan().synapses.len(),
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
    println!(
        "real-time factor (wall / simulated): {:.3}",
        run_s / (duration_ms / 1000.0)
    );
    Ok(())
}
