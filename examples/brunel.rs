//! Brunel (2000) sparse balanced network of `iaf_psc_delta` neurons, from
//! `models/brunel.toml` (NEST's brunel_delta_nest form), in any of the paper's four
//! regimes and at any size with the in-degrees kept (C_E = 1000, C_I = 250).
//! Prints per-population rate, CV ISI, wall time and real-time factor.
//!
//! `cargo run --release --example brunel -- [--regime A|B|C|D] [--order N] [--ms T] [--seed N] [--cpu]`
//!
//! Order 2500 = 12,500 neurons. Regimes: A (g = 3, η = 2) synchronous regular,
//! B (g = 6, η = 4) fast oscillation, C (g = 5, η = 2) asynchronous irregular,
//! D (g = 4.5, η = 0.9) slow oscillation.

mod common;

use neurodyn::model::{Connectivity, Stimulus, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let regime = value("--regime").map_or("C", |s| s.as_str());
    let (g, eta) = match regime {
        "A" => (3.0, 2.0),
        "B" => (6.0, 4.0),
        "C" => (5.0, 2.0),
        "D" => (4.5, 0.9),
        other => return Err(format!("unknown regime `{other}`: use A, B, C or D").into()),
    };
    let order: u32 = value("--order").map_or(Ok(2500), |s| s.parse())?;
    let options = common::Options::from_args();
    let (mut network, duration_ms) = common::load("brunel", &options)?;

    let (j, c_e, tau_m, theta) = (0.1, 1000.0, 20.0, 20.0);
    network.populations[0].size = 4 * order;
    network.populations[1].size = order;
    for projection in &mut network.projections {
        if projection.pre == "I" {
            projection.weight = Value::constant(-g * j);
        }
        // In-degrees stay at C_E = 1000 and C_I = 250 as long as there are enough
        // presynaptic neurons.
        if let Connectivity::FixedInDegree { k, .. } = &mut projection.connectivity {
            *k = (*k).min(if projection.pre == "E" {
                4 * order
            } else {
                order
            });
        }
    }
    // ν_ext = η ν_thr per synapse, ν_thr = θ / (J C_E τ_m), times C_E synapses (Hz).
    let rate_hz = eta * theta / (j * c_e * tau_m) * 1000.0 * c_e;
    for stimulus in &mut network.stimuli {
        if let Stimulus::Poisson { rate_hz: r, .. } = stimulus {
            *r = rate_hz;
        }
    }
    let title = format!("Brunel regime {regime} (g = {g}, η = {eta})");
    common::run(&title, &network, duration_ms, options.backend)
}
