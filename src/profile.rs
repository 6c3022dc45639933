//! `neurodyn profile`: where a model's time goes. A plain run gives the whole-run
//! figures (real-time factor, wall time split into build, upload, simulate and
//! readback); a second, profiled run of the same length times every kernel kind and
//! sets its bytes (by the plan's count) against the device's measured copy bandwidth.

use serde::Serialize;

use crate::engine::{KernelKind, KernelTiming};
use crate::error::Error;
use crate::model::Network;
use crate::plan::Plan;
use crate::record::SpikeRecord;
use crate::simulation::{Backend, HostTimes, Simulation};

/// One kernel kind's row.
#[derive(Debug, Clone, Serialize)]
pub struct KernelRow {
    pub kernel: String,
    pub calls: u64,
    pub total_ms: f64,
    pub us_per_step: f64,
    /// Share of the summed kernel time (%).
    pub share_percent: f64,
    /// Bytes read and written, by the plan's count.
    pub bytes: u64,
    pub gb_per_s: f64,
    /// Achieved bandwidth as a percentage of the measured copy bandwidth.
    pub copy_percent: Option<f64>,
    /// Neuron updates per second of kernel time (neuron update kernels).
    pub neuron_updates_per_s: Option<f64>,
    /// Synaptic events per second of kernel time (propagation).
    pub synaptic_events_per_s: Option<f64>,
}

/// What `profile` measured.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileReport {
    pub model: String,
    pub device: String,
    pub steps: u64,
    pub dt_ms: f64,
    /// Instances simulated together; the rates and bytes cover them all.
    pub instances: u32,
    /// Neurons of one instance.
    pub neurons: u64,
    /// Synapses of one instance (the mean where each draws its own).
    pub synapses: u64,
    /// The plain run: build, upload, simulate and readback.
    pub build_s: f64,
    pub upload_s: f64,
    pub simulate_s: f64,
    pub readback_s: f64,
    /// Wall time of the plain run over simulated time.
    pub realtime_factor: f64,
    /// Dispatches per simulated step.
    pub dispatches_per_step: f64,
    /// Compute passes per simulated step in a plain run (one per batch).
    pub passes_per_step: f64,
    /// Steps recorded into one command batch (the plan's, or the profiled steps
    /// where they are fewer).
    pub batch_steps: u32,
    /// Steps one neuron-update dispatch integrates (`plan::window`; the profiled
    /// steps where they are fewer: a shorter run integrates them in one).
    pub window_steps: u32,
    /// Device copy bandwidth (GB/s, bytes read + written), where there is a device.
    pub copy_gb_per_s: Option<f64>,
    /// "timestamp queries" or "host clock".
    pub timing: String,
    /// With host timing: the round trip of an empty submission that each call includes (µs).
    pub host_sync_us: Option<f64>,
    /// Wall time of the profiled run (s).
    pub profiled_wall_s: f64,
    /// Spikes and synaptic events of the profiled run.
    pub spikes: u64,
    pub synaptic_events: u64,
    pub kernels: Vec<KernelRow>,
    /// The closed loop: steps per `run_until` window, and each call's wall time
    /// beyond the same steps run at once (µs).
    pub loop_window_steps: u64,
    pub loop_call_overhead_us: f64,
}

/// Steps per window of the closed-loop measurement (one: the per-call cost is then
/// not lost in the steps' own time, which varies by tens of percent on lavapipe), and
/// the most windows a round runs (as many as the profiled steps hold), and the rounds,
/// each windowed and at once.
const LOOP_WINDOW_STEPS: u64 = 1;
const LOOP_CALLS: u64 = 100;
const LOOP_ROUNDS: u32 = 5;

impl ProfileReport {
    /// Summed kernel time (ms).
    pub fn kernel_ms(&self) -> f64 {
        self.kernels.iter().map(|k| k.total_ms).sum()
    }
}

/// The first global index of the population `record` belongs to.
fn first_neuron(plan: &Plan, record: &SpikeRecord) -> u32 {
    plan.populations
        .iter()
        .find(|p| p.name == record.population)
        .map_or(0, |p| p.first)
}

/// Synaptic events of `records`: every spike reaches each synapse of its rows
/// (procedural fixed-probability rows count their expected length).
pub fn synaptic_events(plan: &Plan, records: &[SpikeRecord]) -> u64 {
    // Out-degree per neuron of each recorded population, computed once.
    records
        .iter()
        .map(|record| {
            let first = first_neuron(plan, record);
            let degree: Vec<f64> = (0..record.size)
                .map(|n| plan.out_degree(record.instance, first + n))
                .collect();
            record
                .neurons
                .iter()
                .map(|&n| degree[n as usize])
                .sum::<f64>()
        })
        .sum::<f64>()
        .round() as u64
}

/// Profiles `network` for `steps` steps (twice: plain, then profiled) on `backend`.
/// Every population's spikes are recorded, so that bytes and events are counted
/// exactly.
pub fn profile_network(
    name: &str,
    network: &Network,
    backend: Backend,
    steps: u64,
    timing: KernelTiming,
) -> Result<ProfileReport, Error> {
    if steps == 0 {
        // Rates over no steps are no numbers.
        return Err(Error::NotATime { t_ms: 0.0 });
    }
    let mut network = network.clone();
    network
        .recorders
        .retain(|r| !matches!(r, crate::model::Recorder::Spikes { .. }));
    for p in network.populations.clone() {
        network.record_spikes(&p.name);
    }
    let mut sim = Simulation::new(&network, backend)?;
    // The plain run, the profiled run and the closed loop's windows on one clock:
    // refused at once, not after the first run.
    let clock = steps
        .saturating_mul(2)
        .saturating_add(LOOP_WINDOW_STEPS * LOOP_CALLS);
    if clock > sim.step_limit() {
        return Err(Error::TooManySteps {
            steps: clock,
            limit: sim.step_limit(),
        });
    }
    let copy = sim.copy_bandwidth()?;
    sim.run(steps)?;
    let host: HostTimes = sim.host_times();
    sim.drain_spikes();
    let start = std::time::Instant::now();
    let profile = sim.profile_with(steps, timing)?;
    let profiled_wall_s = start.elapsed().as_secs_f64();
    let records = sim.drain_spikes();
    let built_rows = sim.built_row_start()?;
    let plan = sim.plan();
    let simulated_s = steps as f64 * plan.dt_ms / 1000.0;
    // Synapses in the stored rows (host-drawn and built on the device) of the spikes:
    // both walked by propagate.
    let stored_events: u64 = [&plan.synapses.row_start, &built_rows]
        .iter()
        .filter(|rows| !rows.is_empty())
        .map(|rows| -> u64 {
            records
                .iter()
                .map(|r| {
                    let first = first_neuron(plan, r);
                    r.neurons
                        .iter()
                        .map(|&n| {
                            let row = plan.stored_row(r.instance, first + n);
                            u64::from(rows[row + 1] - rows[row])
                        })
                        .sum::<u64>()
                })
                .sum()
        })
        .sum();
    // Synapses in the rows (plastic and, transposed, postsynaptic) of the spikes.
    let row_events = |start: &[u32]| -> u64 {
        if start.is_empty() {
            return 0;
        }
        records
            .iter()
            .map(|r| {
                let first = first_neuron(plan, r);
                r.neurons
                    .iter()
                    .map(|&n| {
                        u64::from(start[(first + n) as usize + 1] - start[(first + n) as usize])
                    })
                    .sum::<u64>()
            })
            .sum()
    };
    let plastic_events = row_events(&plan.plastic.row_start);
    let post_events = row_events(&plan.plastic.post_start);
    // Synapses in the rows regenerated at the spikes (expected ones for fixed
    // probability).
    let procedural_events = records
        .iter()
        .map(|r| {
            let first = first_neuron(plan, r);
            r.neurons
                .iter()
                .map(|&n| plan.generated_degree(r.instance, first + n, false))
                .sum::<f64>()
        })
        .sum::<f64>()
        .round() as u64;
    // Every synapse the spikes reached: the stored rows' exactly (built ones
    // included), the regenerated ones' as expected for fixed probability.
    let events = stored_events + plastic_events + procedural_events;
    // Every population is recorded: each spike is also a recorded spike.
    let spikes_of = |kind| -> u64 {
        records
            .iter()
            .filter(|r| {
                plan.populations
                    .iter()
                    .any(|p| p.name == r.population && p.kind == kind)
            })
            .map(|r| r.len() as u64)
            .sum()
    };
    let probe_samples: u64 = plan
        .probe_groups
        .iter()
        .map(|g| g.sample_steps(steps, steps).count() as u64 * g.neurons.len() as u64)
        .sum();
    let (timestamps, host_sync_ns, kernels) = match profile {
        Some(p) => (p.timestamps, p.host_sync_ns, p.kernels),
        None => (false, None, Vec::new()),
    };
    let kernel_ns: f64 = kernels.iter().map(|k| k.total_ns).sum();
    // Stored propagation is one dispatch per table and chunk (built rows, a binding
    // cut into chunks), each reading every spike's index and row bounds again: as
    // many per window as propagate_prepare's one.
    let prepare_calls = (kernels.iter())
        .find(|k| matches!(k.kind, KernelKind::PropagatePrepare))
        .map_or(1, |k| k.calls.max(1));
    let rows = kernels
        .iter()
        .map(|k| {
            let seconds = k.total_ns / 1e9;
            let (bytes, updates, synaptic) = match k.kind {
                KernelKind::NeuronUpdate(kind) => {
                    let spikes = spikes_of(kind);
                    let group = plan.groups.iter().find(|g| g.kind == kind);
                    let neurons = group.map_or(0, |g| u64::from(g.info.size))
                        * u64::from(plan.config.n_instances);
                    (
                        plan.neuron_update_bytes(kind, (steps, k.calls), spikes, spikes),
                        Some((neurons * steps) as f64 / seconds),
                        None,
                    )
                }
                KernelKind::PropagatePrepare => (plan.propagate_prepare_bytes(k.calls), None, None),
                KernelKind::Propagate => {
                    let spikes: u64 = records.iter().map(|r| r.len() as u64).sum();
                    let passes = (k.calls / prepare_calls).max(1);
                    (
                        plan.propagate_bytes(spikes * passes, stored_events),
                        None,
                        Some(stored_events as f64 / seconds),
                    )
                }
                KernelKind::PropagateProcedural => {
                    let spikes = records.iter().map(|r| r.len() as u64).sum();
                    (
                        plan.propagate_procedural_bytes(spikes, procedural_events),
                        None,
                        Some(procedural_events as f64 / seconds),
                    )
                }
                KernelKind::PropagatePlastic => {
                    let spikes = records.iter().map(|r| r.len() as u64).sum();
                    (
                        plan.propagate_plastic_bytes(k.calls, spikes, plastic_events),
                        None,
                        Some(plastic_events as f64 / seconds),
                    )
                }
                KernelKind::PlasticPost => {
                    let spikes = records.iter().map(|r| r.len() as u64).sum();
                    (
                        plan.plastic_post_bytes(k.calls, spikes, post_events),
                        None,
                        Some(post_events as f64 / seconds),
                    )
                }
                KernelKind::PlasticSweep => (plan.plastic_sweep_bytes(k.calls), None, None),
                KernelKind::PlasticFlush => (plan.plastic_flush_bytes(k.calls), None, None),
                KernelKind::Probe => (plan.probe_bytes(k.calls, probe_samples), None, None),
                KernelKind::GapCoupling => (plan.gap_coupling_bytes(k.calls), None, None),
            };
            let gb_per_s = bytes as f64 / seconds / 1e9;
            KernelRow {
                kernel: k.kind.label(),
                calls: k.calls,
                total_ms: k.total_ns / 1e6,
                us_per_step: k.total_ns / 1e3 / steps as f64,
                share_percent: 100.0 * k.total_ns / kernel_ns,
                bytes,
                gb_per_s,
                copy_percent: copy.map(|c| 100.0 * gb_per_s * 1e9 / c),
                neuron_updates_per_s: updates,
                synaptic_events_per_s: synaptic,
            }
        })
        .collect();
    let dispatches: u64 = kernels.iter().map(|k| k.calls).sum();
    let within_run = u32::try_from(steps).unwrap_or(u32::MAX);
    let calls = (steps / LOOP_WINDOW_STEPS).clamp(1, LOOP_CALLS);
    let loop_call_overhead_us = loop_call_overhead(&mut sim, calls)? * 1e6;
    let plan = sim.plan();
    Ok(ProfileReport {
        loop_window_steps: LOOP_WINDOW_STEPS,
        loop_call_overhead_us,
        model: name.to_string(),
        device: sim.device(),
        steps,
        dt_ms: plan.dt_ms,
        instances: plan.config.n_instances,
        neurons: u64::from(plan.n_neurons()),
        synapses: plan.synapse_count().round() as u64,
        build_s: host.build_s,
        upload_s: host.upload_s,
        simulate_s: host.simulate_s(),
        readback_s: host.readback_s,
        realtime_factor: host.run_s / simulated_s,
        dispatches_per_step: dispatches as f64 / steps as f64,
        passes_per_step: steps.div_ceil(u64::from(plan.batch_steps)) as f64 / steps as f64,
        batch_steps: plan.batch_steps.min(within_run),
        window_steps: plan.config.window_steps.min(within_run),
        copy_gb_per_s: copy.map(|c| c / 1e9),
        timing: if timestamps {
            "timestamp queries"
        } else {
            "host clock"
        }
        .to_string(),
        host_sync_us: host_sync_ns.map(|ns| ns / 1e3),
        profiled_wall_s,
        spikes: records.iter().map(|r| r.len() as u64).sum(),
        synaptic_events: events,
        kernels: rows,
    })
}

/// The wall time of one closed-loop call (`run_until` of a short window, reading the
/// window's spikes and readouts) beyond its steps' own cost: windows against the
/// same steps, from the same state, run at once (s per call). Each is timed
/// `LOOP_ROUNDS` times, alternately, and the fastest of each taken: other work on the machine only
/// ever adds time, so the minimum is the estimate least disturbed by it.
fn loop_call_overhead(sim: &mut Simulation, calls: u64) -> Result<f64, Error> {
    let steps = LOOP_WINDOW_STEPS * calls;
    let saved = sim.save_point()?;
    let (mut once, mut windows) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..LOOP_ROUNDS {
        sim.return_to(&saved)?;
        let start = std::time::Instant::now();
        sim.run(steps)?;
        sim.drain_spikes();
        sim.readouts()?;
        once = once.min(start.elapsed().as_secs_f64());
        sim.return_to(&saved)?;
        let start = std::time::Instant::now();
        for _ in 0..calls {
            let end = sim.current_step() + LOOP_WINDOW_STEPS;
            sim.run_until(end as f64 * sim.plan().dt_ms)?;
        }
        windows = windows.min(start.elapsed().as_secs_f64());
    }
    Ok((windows - once) / calls as f64)
}

/// The report as text: the kernel table, then the whole-run figures.
pub fn format(report: &ProfileReport) -> String {
    let r = report;
    let mut out = format!(
        "{} on {}: {} steps of {} ms, {} neurons, {} synapses",
        r.model, r.device, r.steps, r.dt_ms, r.neurons, r.synapses
    );
    if r.instances > 1 {
        out += &format!(
            " per instance, {} instances (the rates count them all)",
            r.instances
        );
    }
    out.push('\n');
    match r.copy_gb_per_s {
        Some(c) => {
            out += &format!(
                "device copy bandwidth {c:.1} GB/s (read + write, buffer-to-buffer copy)\n"
            )
        }
        None => out += "no device: no copy bandwidth\n",
    }
    out += &format!("kernel times from {}", r.timing);
    if let Some(us) = r.host_sync_us {
        out += &format!(
            " (this adapter has no timestamp queries inside passes, or host timing was asked \
             for: each dispatch was submitted alone and waited for; every call includes a \
             submit-and-wait round trip of about {us:.1} µs)"
        );
    }
    out += "\n\n";
    out += &format!(
        "{:<30} {:>7} {:>10} {:>9} {:>6} {:>11} {:>8} {:>7} {:>22}\n",
        "kernel", "calls", "total ms", "µs/step", "share", "MB moved", "GB/s", "% copy", "domain"
    );
    for k in &r.kernels {
        let domain = match (k.neuron_updates_per_s, k.synaptic_events_per_s) {
            (Some(u), _) => format!("{u:.3e} updates/s"),
            (_, Some(e)) => format!("{e:.3e} events/s"),
            _ => String::new(),
        };
        out += &format!(
            "{:<30} {:>7} {:>10.3} {:>9.2} {:>5.1}% {:>11.3} {:>8.3} {:>7} {:>22}\n",
            k.kernel,
            k.calls,
            k.total_ms,
            k.us_per_step,
            k.share_percent,
            k.bytes as f64 / 1e6,
            k.gb_per_s,
            k.copy_percent
                .map_or("-".to_string(), |p| format!("{p:.1}%")),
            domain
        );
    }
    out += &format!(
        "kernels {:.3} ms ({:.2} µs/step) of the profiled run's wall {:.3} ms ({:.1}%)\n\n",
        r.kernel_ms(),
        r.kernel_ms() * 1e3 / r.steps as f64,
        r.profiled_wall_s * 1e3,
        100.0 * r.kernel_ms() / (r.profiled_wall_s * 1e3)
    );
    out += &format!(
        "plain run: real-time factor {:.3}; wall: build {:.3} s, upload {:.3} s, simulate {:.3} s, readback {:.3} s\n",
        r.realtime_factor, r.build_s, r.upload_s, r.simulate_s, r.readback_s
    );
    out += &format!(
        "{:.2} dispatches per step ({} step(s) per neuron update and propagation), {:.4} compute passes per step (one per batch of {} steps); {} spikes, {} synaptic events\n",
        r.dispatches_per_step, r.window_steps, r.passes_per_step, r.batch_steps, r.spikes, r.synaptic_events
    );
    out += &format!(
        "closed loop: a run_until call of {} step(s) costs {:.1} µs beyond the steps' own time\n",
        r.loop_window_steps, r.loop_call_overhead_us
    );
    out
}
