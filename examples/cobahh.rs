//! COBAHH benchmark (Brette et al. 2007, benchmark 3; Brian2's COBAHH.py) from
//! `models/cobahh.toml`, through the library: 4000 Hodgkin–Huxley neurons
//! (hh_cond_exp_traub), 1 s at dt = 0.1 ms. Prints per-population rate, CV ISI, wall
//! time and real-time factor.
//!
//! `cargo run --release --example cobahh [-- --cpu] [-- --seed N] [-- --ms T]`

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = common::Options::from_args(&common::Args::from_env())?;
    let (network, duration_ms) = common::load("cobahh", &options)?;
    common::run("COBAHH", &network, duration_ms, options.backend)
}
