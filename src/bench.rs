//! `neurodyn bench`: the standard models run back to back, with the figures the field
//! reports (real-time factor, synaptic events and neuron updates per second), as JSON
//! and as a Markdown table. Peers (Brian2, NEST) are issue #5's next step.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{brunel, file, Network};
use crate::simulation::{Backend, Simulation};

/// Which models, for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// Short runs of small networks (CI).
    Quick,
    /// The standard models at their published sizes, 1 s each.
    Standard,
}

/// One model's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    pub model: String,
    pub device: String,
    pub neurons: u64,
    pub synapses: u64,
    pub simulated_ms: f64,
    pub build_s: f64,
    pub run_s: f64,
    /// Wall time / simulated time.
    pub realtime_factor: f64,
    pub spikes: u64,
    /// Spikes delivered to synapses per wall second.
    pub synaptic_events_per_s: f64,
    pub neuron_updates_per_s: f64,
}

/// (name, model file, duration in ms, Brunel order) of each case.
fn cases(suite: Suite) -> Vec<(&'static str, &'static str, f64, Option<u32>)> {
    match suite {
        Suite::Quick => vec![
            ("CUBA", "cuba", 200.0, None),
            ("COBA", "coba", 200.0, None),
            ("Brunel C, 2,500 neurons", "brunel", 100.0, Some(500)),
        ],
        Suite::Standard => vec![
            ("CUBA", "cuba", 1000.0, None),
            ("COBA", "coba", 1000.0, None),
            ("COBAHH", "cobahh", 1000.0, None),
            ("Brunel C, 12,500 neurons", "brunel", 1000.0, Some(2500)),
        ],
    }
}

/// Runs `suite` with the model files of `models_dir` on `backend`.
pub fn run_suite(
    suite: Suite,
    models_dir: &Path,
    backend: &Backend,
) -> Result<Vec<BenchResult>, Error> {
    cases(suite)
        .into_iter()
        .map(|(name, stem, duration_ms, order)| {
            let path = models_dir.join(format!("{stem}.toml"));
            let mut network = file::load(&path)
                .map_err(|e| Error::Output(format!("benchmark model: {e}")))?
                .network;
            if let Some(order) = order {
                let (g, eta) = brunel::regime("C").expect("regime C exists");
                brunel::configure(&mut network, order, g, eta);
            }
            run_case(name, network, duration_ms, backend)
        })
        .collect()
}

fn run_case(
    name: &str,
    mut network: Network,
    duration_ms: f64,
    backend: &Backend,
) -> Result<BenchResult, Error> {
    network.recorders.clear();
    for p in network.populations.clone() {
        network.record_spikes(&p.name);
    }
    let build = Instant::now();
    let mut sim = Simulation::new(&network, backend.clone())?;
    let build_s = build.elapsed().as_secs_f64();
    let run = Instant::now();
    sim.run_ms(duration_ms)?;
    let run_s = run.elapsed().as_secs_f64();

    // Every spike is delivered to each synapse of its row.
    let plan = sim.plan();
    let rows = &plan.synapses.row_start;
    let mut spikes = 0u64;
    let mut events = 0u64;
    for record in sim.spike_records() {
        let first = plan
            .populations
            .iter()
            .find(|p| p.name == record.population)
            .expect("planned")
            .first;
        spikes += record.len() as u64;
        events += record
            .neurons
            .iter()
            .map(|&n| u64::from(rows[(first + n) as usize + 1] - rows[(first + n) as usize]))
            .sum::<u64>();
    }
    let neurons = u64::from(plan.n_neurons());
    let steps = sim.current_step();
    Ok(BenchResult {
        model: name.to_string(),
        device: sim.device(),
        neurons,
        synapses: plan.synapses.len() as u64,
        simulated_ms: steps as f64 * plan.dt_ms,
        build_s,
        run_s,
        realtime_factor: run_s / (steps as f64 * plan.dt_ms / 1000.0),
        spikes,
        synaptic_events_per_s: events as f64 / run_s,
        neuron_updates_per_s: (neurons * steps) as f64 / run_s,
    })
}

/// The results as a Markdown table.
pub fn markdown(results: &[BenchResult]) -> String {
    let mut table = String::from(
        "| model | neurons | synapses | simulated (ms) | build (s) | run (s) | real-time factor | synaptic events/s | neuron updates/s |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        table += &format!(
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3e} | {:.3e} |\n",
            r.model,
            r.neurons,
            r.synapses,
            r.simulated_ms,
            r.build_s,
            r.run_s,
            r.realtime_factor,
            r.synaptic_events_per_s,
            r.neuron_updates_per_s
        );
    }
    table
}
