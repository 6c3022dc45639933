//! A reservoir that tunes itself toward critical dynamics by astrocyte-modulated STDP
//! (after the neuron–astrocyte liquid state machine of Ivanov & Michmizos 2021): an
//! LIF reservoir (80% excitatory) driven by Poisson inputs, its E → E synapses under
//! additive STDP whose potentiation and depression an astrocyte scales by
//! max(1 ± A, 0). The astrocyte integrates the input's spikes (+) and the reservoir's
//! (−), so A settles where the reservoir amplifies its drive by a set gain; in a
//! driven branching process the gain is 1/(1 − m), so that pins the branching ratio m
//! near 1. Prints, per window, the reservoir's rate, the astrocyte's level, the mean
//! E → E weight and the branching ratio m of the excitatory activity (multistep
//! regression estimate, `record::BranchingSeries`), from a sub-critical start (weak
//! recurrence) or a super-critical one (`--start super`).
//!
//! The network is `models/astro_reservoir.toml`.
//!
//! `cargo run --release --example astro_lsm [-- --cpu] [-- --start super]
//! [-- --w0 NA] [-- --seconds S] [-- --window S] [-- --no-astrocyte]`

#[path = "common/args.rs"]
mod args;

use neurodyn::record::BranchingSeries;
use neurodyn::{Network, Simulation};

/// Reads `models/astro_reservoir.toml`: the reservoir, its E → E projection (the
/// last) starting at `w0`, with or without its astrocyte.
fn network(w0: f64, astrocyte: bool) -> Result<Network, Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/astro_reservoir.toml");
    let mut net = neurodyn::model::file::load(std::path::Path::new(path))?.network;
    let ee = net.projections.last_mut().expect("the E → E projection");
    ee.weight = w0.into();
    if !astrocyte {
        ee.astrocyte = None;
        net.astrocytes.clear();
    }
    Ok(net)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args::Args::from_env();
    let seconds: f64 = args.value("--seconds", 40.0)?;
    let window_s: f64 = args.value("--window", 2.0)?;
    let super_critical = args.text("--start") == Some("super");
    let astrocyte = !args.has("--no-astrocyte");
    let w0 = args.value("--w0", if super_critical { 3.5 } else { 0.1 })?;
    let net = network(w0, astrocyte)?;
    let (dt, n_e) = (net.dt_ms, net.population("E").expect("E").size);
    let projection = net.projections.len() - 1;
    neurodyn::lavapipe::ThreadChoice::at_start().apply(&net);
    let mut sim = Simulation::new(&net, args.backend())?;
    println!(
        "models/astro_reservoir.toml: E → E starting at {w0} nA, astrocyte {}",
        if astrocyte { "on" } else { "off" }
    );
    println!(
        "{:>7} {:>9} {:>9} {:>10} {:>8}",
        "t (s)", "E (Hz)", "A", "mean w_EE", "m"
    );
    let window = (window_s * 1000.0 / dt).round() as u64;
    // Bins of 2 ms: about a delay plus the time a spike takes to cause the next.
    let bin = (2.0 / dt).round() as u64;
    let mut series = BranchingSeries::new("E", 0, dt, (0, window, bin), 10);
    let started = std::time::Instant::now();
    while sim.time_ms() < seconds * 1000.0 {
        sim.run(window)?;
        let record = sim.drain_spikes().remove(0);
        series.add(&record);
        series.close_until(sim.current_step());
        let weights = sim.weights(projection)?;
        let mean_w = weights.iter().map(|&w| f64::from(w)).sum::<f64>() / weights.len() as f64;
        let level = if astrocyte {
            sim.astrocyte("glia", 0)?
        } else {
            0.0
        };
        let m = series
            .windows
            .last()
            .and_then(|w| w.estimate.as_ref())
            .map_or("-".to_string(), |e| format!("{:.3}", e.m));
        println!(
            "{:>7.1} {:>9.2} {:>9.3} {:>10.3} {:>8}",
            sim.time_ms() / 1000.0,
            record.len() as f64 / f64::from(n_e) / window_s,
            level,
            mean_w,
            m
        );
    }
    println!("{:.1} s wall", started.elapsed().as_secs_f64());
    Ok(())
}
