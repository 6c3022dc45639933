//! Brunel (2000) sparse balanced network of `iaf_psc_delta` neurons, from
//! `models/brunel.toml` (NEST's brunel_delta_nest form), in any of the paper's four
//! regimes and at any size with the in-degrees kept (C_E = 1000, C_I = 250).
//! Prints per-population rate, CV ISI, wall time and real-time factor.
//!
//! `cargo run --release --example brunel -- [--regime A|B|C|D] [--order N] [--procedural] [--ms T] [--seed N] [--cpu]`
//!
//! `--procedural` regenerates the synapses at each spike instead of storing them
//! (fixed probability k / n_pre in place of fixed in-degree k): the form for 10^5 to
//! 10^6 neurons (order 200,000 = 10^6 neurons, 1.25·10^9 synapses).
//!
//! Order 2500 = 12,500 neurons. Regimes: A (g = 3, η = 2) synchronous regular,
//! B (g = 6, η = 4) fast oscillation, C (g = 5, η = 2) asynchronous irregular,
//! D (g = 4.5, η = 0.9) slow oscillation.

mod common;

use neurodyn::model::brunel;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::Args::from_env();
    let regime = args.text("--regime").unwrap_or("C");
    let (g, eta) = brunel::regime(regime)
        .ok_or_else(|| format!("unknown regime `{regime}`: use A, B, C or D"))?;
    let order: u32 = args.value("--order", 2500)?;
    let options = common::Options::from_args(&args)?;
    let (mut network, duration_ms) = common::load("brunel", &options)?;
    brunel::configure(&mut network, order, g, eta);
    let procedural = args.has("--procedural");
    if procedural {
        brunel::make_procedural(&mut network);
    }
    let title = format!(
        "Brunel regime {regime} (g = {g}, η = {eta}){}",
        if procedural { ", procedural" } else { "" }
    );
    common::run(&title, &network, duration_ms, options.backend)
}
