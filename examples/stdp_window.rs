//! The STDP window of `stdp_synapse`: isolated spike pairs at Δt from −100 to 100 ms
//! (at the synapse: t_post + delay − t_pre, NEST's convention), each on a synapse of
//! its own, simulated on the device; prints Δw against Δt for the additive (μ = 0)
//! and multiplicative (μ = 1) forms and plots both into `stdp_window.png`.
//!
//! `cargo run --release --example stdp_window [-- --cpu] [-- --out FILE]`

#[path = "common/args.rs"]
mod args;

use std::path::PathBuf;

use neurodyn::model::{Pairing, Plasticity};
use neurodyn::record::{line_plot, Series};
use neurodyn::{
    Network, NeuronModel, Population, Projection, Receptor, Simulation, SpikeSourceArray,
};

const DELAY_MS: f64 = 1.0;
const W0: f64 = 50.0;
const W_MAX: f64 = 100.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args::Args::from_env();
    let backend = args.backend();
    let out = PathBuf::from(args.text("--out").unwrap_or("stdp_window.png"));

    let dts: Vec<f64> = (-100..=100)
        .map(f64::from)
        .filter(|&dt| dt != 0.0)
        .collect();
    let t_pre = 200.0;
    let source = |name: &str, times: Vec<Vec<f64>>| {
        Population::new(
            name,
            times.len() as u32,
            NeuronModel::SpikeSourceArray(SpikeSourceArray {
                spike_times_ms: times,
            }),
        )
    };
    let mut net = Network::new(0.1, 1);
    net.add_population(source("pre", dts.iter().map(|_| vec![t_pre]).collect()));
    net.add_population(source(
        "post",
        dts.iter().map(|dt| vec![t_pre + dt - DELAY_MS]).collect(),
    ));
    let forms = [("additive (mu = 0)", 0.0), ("multiplicative (mu = 1)", 1.0)];
    for (_, mu) in forms {
        let pairs: Vec<_> = (0..dts.len() as u32)
            .map(|i| (i, i, W0, DELAY_MS))
            .collect();
        net.add_projection(
            Projection::from_list("pre", "post", &pairs, Receptor::Excitatory).with_plasticity(
                Plasticity::StdpSynapse {
                    tau_plus: 20.0,
                    tau_minus: 20.0,
                    lambda: 0.01,
                    alpha: 1.0,
                    mu_plus: mu,
                    mu_minus: mu,
                    w_max: W_MAX,
                    pairing: Pairing::AllToAll,
                },
            ),
        );
    }
    neurodyn::lavapipe::ThreadChoice::at_start().apply(&net);
    let mut sim = Simulation::new(&net, backend)?;
    sim.run_ms(t_pre + 150.0)?;
    println!(
        "stdp_synapse window on {}: w0 = {W0}, w_max = {W_MAX}, lambda = 0.01, tau = 20 ms",
        sim.device()
    );
    let mut series = Vec::new();
    let mut table = Vec::new();
    for (p, (name, _)) in forms.iter().enumerate() {
        let weights = sim.weights(p)?;
        let points: Vec<(f64, f64)> = dts
            .iter()
            .zip(&weights)
            .map(|(&dt, &w)| (dt, f64::from(w) - W0))
            .collect();
        table.push(points.clone());
        series.push(Series {
            name: name.to_string(),
            points,
        });
    }
    println!("{:>8} {:>14} {:>14}", "dt (ms)", forms[0].0, forms[1].0);
    for k in (0..dts.len()).filter(|&k| dts[k] as i64 % 10 == 0 || dts[k].abs() == 1.0) {
        println!(
            "{:>8} {:>14.5} {:>14.5}",
            dts[k], table[0][k].1, table[1][k].1
        );
    }
    line_plot(
        &out,
        "STDP window (stdp_synapse)",
        "dt = t_post + delay - t_pre (ms)",
        "weight change",
        &series,
    )?;
    println!("plot: {}", out.display());
    Ok(())
}
