//! `neurodyn bench`: the standard models run back to back, with the figures the field
//! reports (real-time factor, synaptic events and neuron updates per second, memory)
//! and each population's rate and CV, as JSON and as a Markdown table. The peer
//! harness in `bench/peers/` writes the same JSON for Brian2 and NEST.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::microcircuit::{self, MicrocircuitOptions};
use crate::model::{brunel, file, Network};
use crate::profile::synaptic_events;
use crate::record::SpikeStats;
use crate::simulation::{Backend, Simulation};

/// Which models, for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// Short runs of small networks (CI).
    Quick,
    /// The standard models at their published sizes, 1 s each.
    Standard,
}

/// One population's activity over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationResult {
    pub name: String,
    /// Which instance of an ensemble (`--instances`); 0 for a single network.
    #[serde(default)]
    pub instance: u32,
    pub size: u32,
    pub rate_hz: f64,
    /// Mean over neurons with at least 3 spikes of the CV of their inter-spike intervals.
    pub cv_isi: Option<f64>,
}

/// One model's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// Stable key of the case (`cuba`, `brunel_12500`, …), shared with the peer harness.
    pub id: String,
    pub model: String,
    /// "neurodyn" (the peer harness writes "brian2-cpp-1thread", "nest-2threads", …).
    pub simulator: String,
    pub device: String,
    pub seed: u64,
    /// Instances of the network simulated together (an ensemble; 1: one network).
    #[serde(default = "one")]
    pub instances: u32,
    /// Neurons of one instance.
    pub neurons: u64,
    /// Synapses of one instance (the mean where each draws its own).
    pub synapses: u64,
    pub simulated_ms: f64,
    pub build_s: f64,
    pub run_s: f64,
    /// Wall time / simulated time.
    pub realtime_factor: f64,
    /// Instances × simulated seconds per wall second: an ensemble's throughput.
    #[serde(default)]
    pub instance_seconds_per_s: f64,
    pub spikes: u64,
    /// Spikes delivered to synapses per wall second.
    pub synaptic_events_per_s: f64,
    pub neuron_updates_per_s: f64,
    /// Device buffers by the plan's count.
    pub device_memory_bytes: u64,
    /// Peak resident memory of the process during the case (on Linux; with lavapipe
    /// the device buffers live in it too).
    pub peak_memory_bytes: Option<u64>,
    pub populations: Vec<PopulationResult>,
}

/// One benchmark case.
struct Case {
    id: &'static str,
    name: &'static str,
    /// Model file stem in the models directory.
    file: &'static str,
    duration_ms: f64,
    /// Brunel's order (N = 5 · order), for the Brunel cases.
    brunel_order: Option<u32>,
    /// Regenerate the synapses instead of storing them.
    procedural: bool,
    /// Build the stored synapses on the device (the microcircuit cases).
    built_on_device: bool,
    /// The cortical microcircuit at this scale (neurons and in-degrees), built by
    /// `microcircuit::network` instead of read from a file.
    microcircuit_scale: Option<f64>,
}

fn cases(suite: Suite) -> Vec<Case> {
    let case = |id, name, file, duration_ms, brunel_order| Case {
        id,
        name,
        file,
        duration_ms,
        brunel_order,
        procedural: false,
        built_on_device: false,
        microcircuit_scale: None,
    };
    let microcircuit = |id, name, scale, procedural| Case {
        microcircuit_scale: Some(scale),
        procedural,
        ..case(id, name, "", 1000.0, None)
    };
    let built = |id, name, scale| Case {
        built_on_device: true,
        ..microcircuit(id, name, scale, false)
    };
    let procedural = |id, name, duration_ms, order| Case {
        procedural: true,
        ..case(id, name, "brunel", duration_ms, Some(order))
    };
    match suite {
        Suite::Quick => vec![
            case("cuba", "CUBA", "cuba", 200.0, None),
            case("coba", "COBA", "coba", 200.0, None),
            case(
                "brunel_2500",
                "Brunel C, 2,500 neurons",
                "brunel",
                100.0,
                Some(500),
            ),
        ],
        Suite::Standard => vec![
            case("cuba", "CUBA", "cuba", 1000.0, None),
            case("coba", "COBA", "coba", 1000.0, None),
            case("cobahh", "COBAHH", "cobahh", 1000.0, None),
            case(
                "brunel_12500",
                "Brunel C, 12,500 neurons",
                "brunel",
                1000.0,
                Some(2500),
            ),
            // Stored, as the peers store it (bench/peers): the size of the speed
            // issue's target; the procedural form shows the memory it saves.
            case(
                "brunel_100000",
                "Brunel C, 100,000 neurons",
                "brunel",
                1000.0,
                Some(20_000),
            ),
            procedural(
                "brunel_100000_procedural",
                "Brunel C, 100,000 neurons, procedural",
                1000.0,
                20_000,
            ),
            procedural(
                "brunel_1000000",
                "Brunel C, 10^6 neurons, procedural",
                1000.0,
                200_000,
            ),
            procedural(
                "brunel_4000000",
                "Brunel C, 4·10^6 neurons, procedural",
                1000.0,
                800_000,
            ),
            case(
                "izhikevich2006",
                "Izhikevich 2006, 80,000 STDP synapses",
                "izhikevich2006",
                1000.0,
                None,
            ),
            case(
                "izhikevich2007",
                "Izhikevich 2007, 80,000 three-factor synapses",
                "izhikevich2007",
                1000.0,
                None,
            ),
            microcircuit("microcircuit_0.1", "Microcircuit, scale 0.1", 0.1, false),
            microcircuit("microcircuit_1", "Microcircuit, full scale", 1.0, false),
            microcircuit(
                "microcircuit_1_procedural",
                "Microcircuit, full scale, procedural",
                1.0,
                true,
            ),
            built(
                "microcircuit_1_built",
                "Microcircuit, full scale, built on the device",
                1.0,
            ),
        ],
    }
}

/// The suites' model files as the repository's `models/` holds them, compiled in, so
/// that `bench` runs wherever the binary is: an installed `neurodyn` has no `models/`
/// beside it.
const MODEL_FILES: [(&str, &str); 6] = [
    ("cuba", include_str!("../models/cuba.toml")),
    ("coba", include_str!("../models/coba.toml")),
    ("cobahh", include_str!("../models/cobahh.toml")),
    ("brunel", include_str!("../models/brunel.toml")),
    (
        "izhikevich2006",
        include_str!("../models/izhikevich2006.toml"),
    ),
    (
        "izhikevich2007",
        include_str!("../models/izhikevich2007.toml"),
    ),
];

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// Where to read the model files instead of the copies compiled in.
    pub models_dir: Option<std::path::PathBuf>,
    pub backend: Backend,
    /// The seed of every model.
    pub seed: u64,
    /// Just these case ids, where given.
    pub only: Option<Vec<String>>,
    /// Simulated time of every case instead of the suite's, where given (ms).
    pub duration_ms: Option<f64>,
    /// Run every case as an ensemble of this many instances.
    pub instances: Option<u32>,
}

fn one() -> u32 {
    1
}

/// Runs `suite` as `options` say. `before_case` sees each case's network before its
/// simulation, and so its GPU context, is made (the `neurodyn` command chooses
/// lavapipe's thread count there).
pub fn run_suite(
    suite: Suite,
    options: &SuiteOptions,
    before_case: &mut dyn FnMut(&Network),
) -> Result<Vec<BenchResult>, Error> {
    selected(suite, options)
        .iter()
        .map(|case| {
            let network = case_network(case, options)?;
            before_case(&network);
            run_case(case, network, &options.backend)
        })
        .collect()
}

/// The suite's cases that `options` select, with its duration where it gives one.
fn selected(suite: Suite, options: &SuiteOptions) -> Vec<Case> {
    let only = options.only.as_deref();
    cases(suite)
        .into_iter()
        .filter(|c| only.is_none_or(|ids| ids.iter().any(|id| id == c.id)))
        .map(|mut case| {
            if let Some(ms) = options.duration_ms {
                case.duration_ms = ms;
            }
            case
        })
        .collect()
}

/// Why `case`'s network could not be made.
fn case_error(case: &Case, detail: impl std::fmt::Display) -> Error {
    Error::BenchmarkModel {
        case: case.id.to_string(),
        detail: detail.to_string(),
    }
}

/// The model file of `case`: from `options.models_dir` where given, else compiled in.
fn case_file(case: &Case, options: &SuiteOptions) -> Result<file::LoadedModel, file::FileErrors> {
    let name = format!("{}.toml", case.file);
    match &options.models_dir {
        Some(dir) => file::load(&dir.join(name)),
        None => {
            let (_, text) = MODEL_FILES
                .iter()
                .find(|(stem, _)| *stem == case.file)
                .expect("every suite's model file is compiled in (a unit test checks)");
            // Named as in the repository, which is where the errors would point.
            file::load_text(&std::path::Path::new("models").join(name), text)
        }
    }
}

/// The network of `case`, every spike recorded.
fn case_network(case: &Case, options: &SuiteOptions) -> Result<Network, Error> {
    let seed = options.seed;
    let mut network = if let Some(scale) = case.microcircuit_scale {
        microcircuit::network(&MicrocircuitOptions {
            scale,
            k_scale: scale,
            seed,
            procedural: case.procedural,
            built_on_device: case.built_on_device,
            ..MicrocircuitOptions::default()
        })
        .map_err(|e| case_error(case, e))?
    } else {
        let mut network = case_file(case, options)
            .map_err(|e| case_error(case, e))?
            .network;
        if let Some(order) = case.brunel_order {
            let (g, eta) = brunel::regime("C").expect("regime C exists");
            brunel::configure(&mut network, order, g, eta);
        }
        if case.procedural {
            brunel::make_procedural(&mut network);
        }
        network.seed = seed;
        network
    };
    if let Some(instances) = options.instances {
        network.instances = instances;
    }
    network.recorders.clear();
    for p in network.populations.clone() {
        network.record_spikes(&p.name);
    }
    Ok(network)
}

/// The ids of a suite's cases.
pub fn case_ids(suite: Suite) -> Vec<&'static str> {
    cases(suite).iter().map(|c| c.id).collect()
}

fn run_case(case: &Case, network: Network, backend: &Backend) -> Result<BenchResult, Error> {
    // A real-time factor divides by the simulated time: a run of no step has none.
    if (case.duration_ms / network.dt_ms).round() < 1.0 {
        return Err(Error::BenchmarkModel {
            case: case.id.into(),
            detail: format!(
                "{} ms is no step of {} ms: give a --duration of at least one step",
                case.duration_ms, network.dt_ms
            ),
        });
    }
    reset_peak_memory();
    let build = Instant::now();
    let mut sim = Simulation::new(&network, backend.clone())?;
    let build_s = build.elapsed().as_secs_f64();
    let run = Instant::now();
    sim.run_ms(case.duration_ms)?;
    let run_s = run.elapsed().as_secs_f64();

    let plan = sim.plan();
    let spikes = sim.spike_records().iter().map(|r| r.len() as u64).sum();
    let events = synaptic_events(plan, sim.spike_records());
    let populations = sim
        .spike_records()
        .iter()
        .map(|record| {
            let mut stats = SpikeStats::new(record.size, record.dt_ms);
            stats.add(record);
            PopulationResult {
                name: record.population.clone(),
                instance: record.instance,
                size: record.size,
                rate_hz: stats.mean_rate_hz(),
                cv_isi: stats.cv_isi(),
            }
        })
        .collect();
    let neurons = u64::from(plan.n_neurons());
    let instances = plan.config.n_instances;
    let steps = sim.current_step();
    let simulated_s = steps as f64 * plan.dt_ms / 1000.0;
    Ok(BenchResult {
        id: case.id.to_string(),
        model: case.name.to_string(),
        simulator: "neurodyn".to_string(),
        device: sim.device(),
        seed: network.seed,
        instances,
        neurons,
        synapses: plan.synapse_count().round() as u64,
        simulated_ms: steps as f64 * plan.dt_ms,
        build_s,
        run_s,
        realtime_factor: run_s / simulated_s,
        instance_seconds_per_s: f64::from(instances) * simulated_s / run_s,
        spikes,
        synaptic_events_per_s: events as f64 / run_s,
        neuron_updates_per_s: (neurons * u64::from(instances) * steps) as f64 / run_s,
        device_memory_bytes: plan.memory_bytes(),
        peak_memory_bytes: peak_memory(),
        populations,
    })
}

/// Starts a new peak for `peak_memory` (Linux: writing 5 to clear_refs resets the
/// process's high-water mark); elsewhere nothing.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory since the last reset, where the OS reports it.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The adapters the results ran on, one line each with its case ids where they differ
/// (lavapipe's thread count is chosen per case), then a blank line.
pub fn device_lines(results: &[BenchResult]) -> String {
    let mut devices: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in results {
        match devices.iter_mut().find(|(device, _)| *device == r.device) {
            Some((_, ids)) => ids.push(&r.id),
            None => devices.push((&r.device, vec![&r.id])),
        }
    }
    match devices.as_slice() {
        [] => String::new(),
        [(device, _)] => format!("on {device}\n\n"),
        _ => {
            let lines: Vec<String> = devices
                .iter()
                .map(|(device, ids)| format!("on {device}: {}\n", ids.join(", ")))
                .collect();
            lines.concat() + "\n"
        }
    }
}

/// The results as a Markdown table.
pub fn markdown(results: &[BenchResult]) -> String {
    let mut table = String::from(
        "| model | seed | instances | neurons | synapses | simulated (ms) | build (s) | run (s) | real-time factor | instance·s / s | synaptic events/s | neuron updates/s | device memory (MB) | peak memory (MB) | rates (Hz) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        // An ensemble lists each population once: its mean rate over the instances
        // and their range.
        let mut names: Vec<&str> = r.populations.iter().map(|p| p.name.as_str()).collect();
        names.dedup();
        names.truncate(r.populations.len() / r.instances.max(1) as usize);
        let rates: Vec<String> = names
            .iter()
            .map(|&name| {
                let all: Vec<f64> = (r.populations.iter())
                    .filter(|p| p.name == name)
                    .map(|p| p.rate_hz)
                    .collect();
                let mean = all.iter().sum::<f64>() / all.len() as f64;
                let (low, high) = all
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
                if all.len() > 1 {
                    format!("{name} {mean:.2} ({low:.2}–{high:.2})")
                } else {
                    format!("{name} {mean:.2}")
                }
            })
            .collect();
        table += &format!(
            "| {} | {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3e} | {:.3e} | {:.1} | {} | {} |\n",
            r.model,
            r.seed,
            r.instances,
            r.neurons,
            r.synapses,
            r.simulated_ms,
            r.build_s,
            r.run_s,
            r.realtime_factor,
            r.instance_seconds_per_s,
            r.synaptic_events_per_s,
            r.neuron_updates_per_s,
            r.device_memory_bytes as f64 / 1e6,
            r.peak_memory_bytes
                .map_or("-".to_string(), |b| format!("{:.1}", b as f64 / 1e6)),
            rates.join(", ")
        );
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_model_files_are_exactly_the_suites_and_valid() {
        let options = SuiteOptions {
            models_dir: None,
            backend: Backend::Cpu,
            seed: 1,
            only: None,
            duration_ms: None,
            instances: None,
        };
        let mut used = std::collections::BTreeSet::new();
        for suite in [Suite::Quick, Suite::Standard] {
            for case in cases(suite)
                .iter()
                .filter(|c| c.microcircuit_scale.is_none())
            {
                used.insert(case.file);
                case_network(case, &options).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        let compiled_in: std::collections::BTreeSet<&str> =
            MODEL_FILES.iter().map(|(stem, _)| *stem).collect();
        assert_eq!(compiled_in, used);
    }
}
