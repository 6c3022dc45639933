//! Izhikevich (2007) classical conditioning: one synapse among 80,000, reinforced by
//! a reward that arrives 1–3 s after its postsynaptic neuron fires within 20 ms of
//! its presynaptic one, grows to the maximum while the others stay low — the distal
//! reward problem solved by an eligibility trace and dopamine
//! (`stdp_dopamine_synapse`, `model::izhikevich2007`, `conditioning`). The host closes the loop: it
//! reads the spikes of each 100 ms window, schedules rewards, and adds dopamine.
//!
//! The paper's network runs 100 simulated minutes by default: the rewarded synapse
//! reaches 80% of w_max in the first hour and the bound by minute 80 (about 21
//! minutes on lavapipe; BENCHMARKS.md).
//!
//! `--small` runs the quarter-size, faster-learning variant the tests run
//! (`Izhikevich2007::small()`, 10 minutes by default).
//!
//! `cargo run --release --example reward_conditioning [-- --cpu] [-- --small] [-- --minutes M]`

#[path = "common/args.rs"]
mod args;

use neurodyn::conditioning::{Conditioning, ConditioningReport};
use neurodyn::model::izhikevich2007::Izhikevich2007;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args::Args::from_env();
    let backend = args.backend();
    let small = args.has("--small");
    let minutes = args.value("--minutes", if small { 10.0 } else { 100.0 })?;
    let variant = if small {
        Izhikevich2007::small()
    } else {
        Izhikevich2007::default()
    };
    let network = variant.network(1);
    neurodyn::lavapipe::ThreadChoice::at_start().apply(&network);
    let mut experiment = Conditioning::with_network(&network, backend)?;
    println!(
        "Izhikevich (2007) conditioning on {}: reinforced synapse {} -> {} of E",
        experiment.device(),
        experiment.reinforced_pre(),
        experiment.reinforced_post()
    );
    println!(
        "{:>8} {:>8} {:>12} {:>12} {:>12} {:>10}",
        "time (s)", "rewards", "reinforced", "median E", "mean E", "E rate"
    );
    let report = |r: &ConditioningReport| {
        println!(
            "{:>8.0} {:>8} {:>12.3} {:>12.3} {:>12.3} {:>10.2}",
            r.time_s, r.rewards, r.reinforced, r.median_others, r.mean_others, r.rate_e_hz
        );
    };
    let start = std::time::Instant::now();
    let last = experiment.run(minutes * 60_000.0, 60_000.0, &mut |r| report(r))?;
    println!(
        "wall time {:.1} s for {minutes} min simulated; reinforced synapse at {:.1}% of w_max, \
         median of the others at {:.1}%",
        start.elapsed().as_secs_f64(),
        100.0 * last.reinforced / experiment.w_max(),
        100.0 * last.median_others / experiment.w_max()
    );
    Ok(())
}
