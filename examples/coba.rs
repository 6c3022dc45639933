//! COBA benchmark (Vogels & Abbott 2005; Brette et al. 2007, benchmark 1) from
//! `models/coba.toml`, through the library: 4000 conductance-based LIF neurons
//! (iaf_cond_exp), 1 s at dt = 0.1 ms. Prints per-population rate, CV ISI, wall time
//! and real-time factor.
//!
//! `cargo run --release --example coba [-- --cpu] [-- --seed N] [-- --ms T]`

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = common::Options::from_args(&common::Args::from_env())?;
    let (network, duration_ms) = common::load("coba", &options)?;
    common::run("COBA", &network, duration_ms, options.backend)
}
