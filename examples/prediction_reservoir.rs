//! A reservoir that learns *when* a periodic stimulus will come (`neurodyn::prediction`):
//! a heterogeneous Izhikevich network (400 E with tonic drives of their own, 100 I)
//! gets a pulse every 100 ms; one LIF readout learns online by the error-modulated
//! rule to fire 20 ms before each pulse. Prints, before training and after each
//! epoch of 20 training periods, where in the period the readout fires on 10 fresh
//! periods without learning (spikes per 10 ms of phase) and the share within 10 ms
//! of the target time.
//!
//! `cargo run --release --example prediction_reservoir [-- --cpu] [-- --epochs N]`

#[path = "common/args.rs"]
mod args;

use neurodyn::prediction::{self, LEAD_MS, PERIOD_MS};
use neurodyn::Simulation;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args::Args::from_env();
    let epochs: u32 = args.value("--epochs", 5)?;
    let network = prediction::network();
    neurodyn::lavapipe::ThreadChoice::at_start().apply(&network);
    let mut sim = Simulation::new(&network, args.backend())?;
    println!(
        "a pulse every {PERIOD_MS} ms; the readout should fire {LEAD_MS} ms before each \
         ({} ms into the period)",
        PERIOD_MS - LEAD_MS
    );
    println!("readout spikes per 10 ms of phase on 10 fresh periods, without learning:");
    let started = std::time::Instant::now();
    for epoch in 0..=epochs {
        let r = prediction::epoch(&mut sim, if epoch == 0 { 0 } else { 20 }, 10)?;
        println!(
            "epoch {epoch:>2}: {:?}  {:>5.1}% within 10 ms of the target (reservoir {:.1} Hz)",
            r.histogram,
            100.0 * r.near_target,
            r.reservoir_hz
        );
    }
    println!("{:.1} s wall", started.elapsed().as_secs_f64());
    Ok(())
}
