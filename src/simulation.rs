//! `Simulation`: a plan running on a backend, with its records.

mod astrocyte;
mod plasticity;
mod readout;
mod stream;

pub use readout::{ReadoutValues, Window};

use crate::cpu::CpuEngine;
use std::path::Path;
use std::time::Instant;

use crate::checkpoint::{self, Snapshot};

use crate::engine::{BatchOutput, Engine, KernelProfile, KernelTiming};
use crate::error::Error;
use crate::events::EventQueue;
use crate::gpu::{check_memory, GpuContext, GpuEngine};
use crate::input::{CurrentQueue, StreamedInput};
use crate::model::Network;
use crate::plan::layout::Counters;
use crate::plan::{memory, Plan, PlanError};
use crate::record::{SpikeRecord, StateRecord};

/// Where a simulation runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Backend {
    /// The best GPU adapter (or the one named by `NEURODYN_ADAPTER`).
    #[default]
    Gpu,
    /// The GPU adapter whose name contains this text.
    GpuNamed(String),
    /// The CPU reference: the same arithmetic as the shaders, in plain Rust.
    Cpu,
}

/// A network being simulated.
pub struct Simulation {
    plan: Plan,
    engine: Box<dyn Engine>,
    step: u64,
    spikes: Vec<SpikeRecord>,
    /// For each population, its index in `spikes` when recorded.
    spike_slot: Vec<Option<usize>>,
    states: Vec<StateRecord>,
    stopped: Option<String>,
    times: HostTimes,
    /// The model's hash (`checkpoint::model_hash`), where the simulation was made from
    /// a network.
    model_hash: Option<u64>,
    /// The end of the last batch whose outputs reached the records.
    recorded_until: u64,
    /// Streamed spike events and currents not yet run.
    input: StreamedInput,
    /// The readouts' window: its first step and each readout neuron's count then.
    window_start: u64,
    window_counts: Vec<u32>,
    /// The time the last `run_ms` ran to, unrounded, when nothing ran since: the next
    /// `run_ms` counts from it, so that successive calls add up their times, not
    /// their rounded steps.
    run_ms_to: Option<f64>,
}

// A simulation can be moved to a worker thread (a thread pool, `spawn_blocking`).
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Simulation>();
};

/// Where the host's wall time went.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HostTimes {
    /// Building the network: lowering the model to a plan (connectivity drawn on the
    /// host, units and sizes chosen) and building the synapses of projections built
    /// on the device (s).
    pub build_s: f64,
    /// Opening the device, compiling the kernels and uploading the buffers (s).
    pub upload_s: f64,
    /// Running steps, readback included (s).
    pub run_s: f64,
    /// The part of `run_s` spent copying recordings out of the device's staging
    /// buffers and into the records (s).
    pub readback_s: f64,
}

impl HostTimes {
    /// The part of `run_s` the host spent waiting for or feeding the device.
    pub fn simulate_s(&self) -> f64 {
        self.run_s - self.readback_s
    }
}

impl Simulation {
    /// Validates and plans `network`, then sets it up on `backend`.
    /// On a GPU, the network is validated before the device is opened (its errors
    /// come first, also where there is no device), and a network whose estimated
    /// memory exceeds the device's is refused before any synapse is drawn.
    pub fn new(network: &Network, backend: Backend) -> Result<Self, Error> {
        if backend != Backend::Cpu {
            network.validate().map_err(PlanError::from)?;
        }
        let context = match &backend {
            Backend::Gpu => Some(GpuContext::new(None)?),
            Backend::GpuNamed(name) => Some(GpuContext::new(Some(name))?),
            Backend::Cpu => None,
        };
        if let Some(ctx) = &context {
            let estimate = memory::estimate(network);
            check_memory(&estimate, ctx, || memory::advice(network, &estimate))?;
        }
        let start = Instant::now();
        let plan = Plan::new(network)?;
        let build_s = start.elapsed().as_secs_f64();
        let mut sim = Self::on(plan, context)?;
        sim.times.build_s += build_s;
        sim.model_hash = Some(checkpoint::model_hash(network));
        Ok(sim)
    }

    /// A simulation of `network` continuing from the checkpoint at `path`, which must
    /// have been taken from the same model (same network, seed included): the run
    /// continues bit-identically. A checkpoint of another model, another format
    /// version, or a truncated or corrupted file is refused.
    pub fn restore(network: &Network, backend: Backend, path: &Path) -> Result<Self, Error> {
        let (step, snapshot) = checkpoint::read(path, checkpoint::model_hash(network))?;
        let mut sim = Self::new(network, backend)?;
        let expected = (
            sim.plan.initial_state.len(),
            sim.plan.neuron_slots(),
            sim.plan.ring_len() as usize,
            sim.plan.plastic_state_len(),
            sim.plan.history_len() as usize,
            sim.plan.modulators_len(),
            sim.plan.readouts_len(),
            sim.plan.errors_len(),
        );
        let found = (
            snapshot.state.len(),
            snapshot.bias.len(),
            snapshot.ring.len(),
            snapshot.syn_state.len(),
            snapshot.history.len(),
            snapshot.modulators.len(),
            snapshot.readouts.len(),
            snapshot.errors.len(),
        );
        if expected != found {
            return Err(Error::CheckpointRefused {
                path: path.display().to_string(),
                reason: format!(
                    "its buffers (state, bias, ring, plastic state, history, modulators, \
                     readouts, errors: {found:?}) \
                     do not fit this model's \
                     {expected:?}"
                ),
            });
        }
        // The device's clock picks ring slots and stream steps; the host's launches
        // batches and lays out stream tables: they must be one clock.
        if u64::from(snapshot.counters.step) != step {
            return Err(Error::CheckpointRefused {
                path: path.display().to_string(),
                reason: format!(
                    "its device clock (step {}) disagrees with its header (step {step})",
                    snapshot.counters.step
                ),
            });
        }
        sim.engine.restore(&snapshot)?;
        sim.input
            .events
            .replace_with_words(&snapshot.events)
            .and_then(|()| sim.input.currents.replace_with_words(&snapshot.currents))
            .ok_or_else(|| Error::CheckpointRefused {
                path: path.display().to_string(),
                reason: "its queued stream events or currents do not fit this model's streams"
                    .into(),
            })?;
        sim.step = step;
        sim.recorded_until = step;
        // The readouts' window goes on where it was.
        match snapshot.readout_window.split_first_chunk::<2>() {
            Some(([lo, hi], counts)) if counts.len() == sim.window_counts.len() => {
                sim.window_start = u64::from(*lo) | u64::from(*hi) << 32;
                sim.window_counts = counts.to_vec();
            }
            _ => {
                return Err(Error::CheckpointRefused {
                    path: path.display().to_string(),
                    reason: "its readout window does not fit this model's readouts".into(),
                })
            }
        }
        Ok(sim)
    }

    /// Saves the whole dynamic state (neuron state, refractory counters, input ring,
    /// plastic synapses, readouts, queued stream events, clock) to `path`, written
    /// under a temporary name and renamed when complete.
    /// Records are not part of it: they belong to the caller's outputs.
    pub fn checkpoint(&mut self, path: &Path) -> Result<(), Error> {
        if let Some(reason) = &self.stopped {
            return Err(Error::Stopped(reason.clone()));
        }
        let hash = self.model_hash.ok_or_else(|| Error::Checkpoint {
            path: path.display().to_string(),
            reason: "this simulation was made from a plan; make it with Simulation::new \
                     (from its network) to checkpoint it"
                .into(),
        })?;
        let snapshot = self.whole_snapshot()?;
        checkpoint::write(path, hash, self.step, &snapshot)
    }

    /// The device's state with what the host holds of it: queued stream input and
    /// the readouts' window.
    fn whole_snapshot(&mut self) -> Result<Snapshot, Error> {
        let mut snapshot = self.engine.snapshot()?;
        snapshot.events = self.input.events.to_words();
        snapshot.currents = self.input.currents.to_words();
        snapshot.readout_window = [self.window_start as u32, (self.window_start >> 32) as u32]
            .into_iter()
            .chain(self.window_counts.iter().copied())
            .collect();
        Ok(snapshot)
    }

    /// The whole dynamic state and the step, to come back to with `return_to`: the
    /// profiler times two ways of running the same steps from the same state.
    pub(crate) fn save_point(&mut self) -> Result<(u64, Snapshot), Error> {
        Ok((self.step, self.whole_snapshot()?))
    }

    /// Back to a `save_point` of this simulation, records of the steps since dropped.
    pub(crate) fn return_to(&mut self, (step, snapshot): &(u64, Snapshot)) -> Result<(), Error> {
        self.engine.restore(snapshot)?;
        self.input.events.replace_with_words(&snapshot.events);
        self.input.currents.replace_with_words(&snapshot.currents);
        self.step = *step;
        self.recorded_until = *step;
        if let Some(([lo, hi], counts)) = snapshot.readout_window.split_first_chunk::<2>() {
            self.window_start = u64::from(*lo) | u64::from(*hi) << 32;
            self.window_counts = counts.to_vec();
        }
        self.drain_spikes();
        self.drain_states();
        Ok(())
    }

    /// Sets up an existing plan on `backend`: one from `Plan::new`, whose public
    /// fields a caller may have edited (`Plan::check_consistent` refuses the edits
    /// that break its basic invariants; an edited table is the caller's to keep right).
    pub fn from_plan(plan: Plan, backend: Backend) -> Result<Self, Error> {
        plan.check_consistent()?;
        let context = match &backend {
            Backend::Gpu => Some(GpuContext::new(None)?),
            Backend::GpuNamed(name) => Some(GpuContext::new(Some(name))?),
            Backend::Cpu => None,
        };
        Self::on(plan, context)
    }

    /// Sets `plan` up on the opened GPU, or on the CPU reference without one.
    fn on(plan: Plan, context: Option<GpuContext>) -> Result<Self, Error> {
        let start = Instant::now();
        let engine: Box<dyn Engine> = match context {
            Some(ctx) => Box::new(GpuEngine::new(&plan, ctx)?),
            None => Box::new(CpuEngine::new(&plan)?),
        };
        let engine_build_s = engine.device_build_time().as_secs_f64();
        // Records of instance b follow those of instance b − 1, each in plan order.
        let recorded: Vec<&crate::plan::PopulationPlan> = plan
            .populations
            .iter()
            .filter(|p| p.record_spikes)
            .collect();
        let mut spikes = Vec::new();
        for instance in 0..plan.config.n_instances {
            for p in &recorded {
                let mut record = SpikeRecord::new(&p.name, p.size, plan.dt_ms);
                record.instance = instance;
                spikes.push(record);
            }
        }
        let mut slot = 0;
        let spike_slot = plan
            .populations
            .iter()
            .map(|p| {
                p.record_spikes.then(|| {
                    slot += 1;
                    slot - 1
                })
            })
            .collect();
        let states = plan
            .probe_groups
            .iter()
            .map(|g| StateRecord {
                population: g.population.clone(),
                variable: g.variable.clone(),
                neurons: g.neurons.clone(),
                every_steps: g.every,
                dt_ms: plan.dt_ms,
                steps: Vec::new(),
                values: Vec::new(),
                instance: g.instance,
            })
            .collect();
        let rows = plan.stream_rows();
        let mut events = EventQueue::new(rows, crate::plan::stream_capacity(u64::from(rows)));
        for &(step, row) in &plan.stream_events {
            events.push(step, row);
        }
        let currents = CurrentQueue::new(plan.current_rows(), plan.current_table_steps());
        Ok(Self {
            input: StreamedInput { events, currents },
            window_start: 0,
            run_ms_to: None,
            window_counts: vec![
                0;
                plan.readouts_len() / crate::plan::layout::READOUT_WORDS as usize
            ],
            plan,
            engine,
            step: 0,
            spikes,
            spike_slot,
            states,
            stopped: None,
            // Building synapses on the device is building, not uploading.
            times: HostTimes {
                build_s: engine_build_s,
                upload_s: start.elapsed().as_secs_f64() - engine_build_s,
                ..HostTimes::default()
            },
            model_hash: None,
            recorded_until: 0,
        })
    }

    /// The plan being run.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// What runs the simulation.
    pub fn device(&self) -> String {
        self.engine.describe()
    }

    /// The wgpu device and queue the simulation runs on, for work of the caller's
    /// own on the same device (none on the CPU reference). Destroying the device
    /// makes the next call fail with `Error::Device` ("device lost").
    pub fn wgpu(&self) -> Option<(wgpu::Device, wgpu::Queue)> {
        self.engine.wgpu()
    }

    /// Steps simulated so far: those of the runs that succeeded. After a failed run
    /// it stays at that run's start, though the device may have stepped further; the
    /// state, weights and modulators then read as the device left them (past
    /// `recorded_until`), which is what a fault's diagnosis needs, and further runs
    /// are refused.
    pub fn current_step(&self) -> u64 {
        self.step
    }

    /// The step up to which the records are complete: `current_step()` after a
    /// successful run; after a failed one, the first step of a saturated input or a
    /// non-finite state (the steps before it, in its batch too, are in the records),
    /// else the end of the last batch read back before the failure.
    pub fn recorded_until(&self) -> u64 {
        self.recorded_until
    }

    /// Simulated time so far (ms).
    pub fn time_ms(&self) -> f64 {
        self.step as f64 * self.plan.dt_ms
    }

    /// Runs `steps` steps. Recordings stream back batch by batch while the device
    /// works; faults found on the device (saturated input, a recording overflow, a
    /// device error) stop the run with an error, and the simulation refuses to continue.
    #[tracing::instrument(name = "run", skip(self), fields(first_step = self.step))]
    pub fn run(&mut self, steps: u64) -> Result<(), Error> {
        self.advance(steps, None).map(|_| ())
    }

    /// Runs `steps` steps like `run`, timing every kernel: with the device's timestamp
    /// queries where it has them, else on the host clock (see `profile_with`). `None`
    /// where the backend has no kernels to time (the CPU reference). Profiling uses
    /// smaller batches, so it is for measuring, not for production runs.
    pub fn profile(&mut self, steps: u64) -> Result<Option<KernelProfile>, Error> {
        self.profile_with(steps, KernelTiming::Auto)
    }

    /// `profile` with the timing method chosen.
    pub fn profile_with(
        &mut self,
        steps: u64,
        timing: KernelTiming,
    ) -> Result<Option<KernelProfile>, Error> {
        self.advance(steps, Some(timing))
    }

    /// Row starts of the synapses built on the device (`Projection::built_on_device`;
    /// empty without them): row `instance · n_neurons + neuron` (`Plan::stored_row`)
    /// is `row_start[row] .. row_start[row + 1]`.
    pub fn built_row_start(&mut self) -> Result<Vec<u32>, Error> {
        self.engine.built_row_start()
    }

    /// The device's copy bandwidth (bytes read plus bytes written per second), measured
    /// now with a large buffer-to-buffer copy; `None` for the CPU reference.
    pub fn copy_bandwidth(&mut self) -> Result<Option<f64>, Error> {
        self.engine.copy_bandwidth()
    }

    /// Where the host's wall time went so far.
    pub fn host_times(&self) -> HostTimes {
        HostTimes {
            readback_s: self.engine.readback_time().as_secs_f64(),
            ..self.times
        }
    }

    fn advance(
        &mut self,
        steps: u64,
        profile: Option<KernelTiming>,
    ) -> Result<Option<KernelProfile>, Error> {
        if let Some(reason) = &self.stopped {
            return Err(Error::Stopped(reason.clone()));
        }
        self.run_ms_to = None;
        let limit = self.step_limit();
        match self.step.checked_add(steps) {
            Some(end) if end <= limit => {}
            end => {
                return Err(Error::TooManySteps {
                    steps: end.unwrap_or(u64::MAX),
                    limit,
                })
            }
        }
        let Self {
            plan,
            engine,
            spikes,
            spike_slot,
            states,
            recorded_until,
            input,
            ..
        } = self;
        let mut sink = |batch: BatchOutput| {
            let (kept_until, fault) = absorb(plan, spikes, spike_slot, states, batch);
            *recorded_until = kept_until;
            fault
        };
        let start = Instant::now();
        let result = match profile {
            Some(timing) => engine.profile(self.step, steps, timing, input, &mut sink),
            None => engine
                .run(self.step, steps, input, &mut sink)
                .map(|()| None),
        };
        self.times.run_s += start.elapsed().as_secs_f64();
        let result = result.map_err(|e| self.name_nonfinite(e));
        if let Err(e) = &result {
            self.stopped = Some(e.to_string());
        }
        let times = result?;
        self.step += steps;
        Ok(times)
    }

    /// Runs for `ms` of simulated time: to the step nearest the time reached. Times
    /// add up over successive calls — four `run_ms(0.25)` at dt = 0.1 ms run 10
    /// steps, as one `run_ms(1.0)` does (3, 2, 3, 2), not 4 × 3. A time that is not
    /// finite or is negative is refused (`Error::NotATime`).
    pub fn run_ms(&mut self, ms: f64) -> Result<(), Error> {
        if !(ms.is_finite() && ms >= 0.0) {
            return Err(Error::NotATime { t_ms: ms });
        }
        let to = self.run_ms_to.unwrap_or_else(|| self.time_ms()) + ms;
        let limit = self.step_limit();
        if (to / self.plan.dt_ms).round() > limit as f64 {
            // Said in ms: the step count would be a saturated cast, not the request.
            return Err(Error::TooLong {
                t_ms: to,
                limit,
                limit_ms: limit as f64 * self.plan.dt_ms,
            });
        }
        let end = (to / self.plan.dt_ms).round() as u64;
        self.run(end.saturating_sub(self.step))?;
        self.run_ms_to = Some(to);
        Ok(())
    }

    /// Runs one step.
    pub fn step(&mut self) -> Result<(), Error> {
        self.run(1)
    }

    /// The spikes recorded for `population` (of instance 0 in an ensemble).
    pub fn spikes(&self, population: &str) -> Result<&SpikeRecord, Error> {
        self.instance_spikes(population, 0)
    }

    /// The spikes recorded for `population` in `instance` of the ensemble.
    pub fn instance_spikes(&self, population: &str, instance: u32) -> Result<&SpikeRecord, Error> {
        let index = self.population_index(population)?;
        if instance >= self.plan.config.n_instances {
            return Err(Error::NoInstance {
                instance,
                instances: self.plan.config.n_instances,
            });
        }
        let per_instance = self.spike_slot.iter().flatten().count();
        self.spike_slot[index]
            .map(|slot| &self.spikes[instance as usize * per_instance + slot])
            .ok_or_else(|| Error::NotRecorded {
                population: population.to_string(),
                what: "spikes".to_string(),
            })
    }

    /// Every spike record: instance by instance, and within each in the plan's order
    /// of populations (grouped by neuron kind, not the model's order: find a
    /// population's record by its `population` name).
    pub fn spike_records(&self) -> &[SpikeRecord] {
        &self.spikes
    }

    /// Takes the spikes recorded since the previous call (or the start), leaving the
    /// records empty and recording on: a caller that writes each stretch to disk keeps
    /// memory independent of the run's length.
    pub fn drain_spikes(&mut self) -> Vec<SpikeRecord> {
        self.spikes
            .iter_mut()
            .map(|r| {
                let mut empty = SpikeRecord::new(&r.population, r.size, r.dt_ms);
                empty.instance = r.instance;
                std::mem::replace(r, empty)
            })
            .collect()
    }

    /// Takes the state samples recorded since the previous call; see `drain_spikes`.
    pub fn drain_states(&mut self) -> Vec<StateRecord> {
        self.states
            .iter_mut()
            .map(|r| {
                let empty = r.clone_metadata();
                std::mem::replace(r, empty)
            })
            .collect()
    }

    /// The samples of `variable` recorded for `population` in instance 0 (the
    /// single network; `instance_state_record` for the others).
    pub fn state_record(&self, population: &str, variable: &str) -> Result<&StateRecord, Error> {
        self.instance_state_record(population, variable, 0)
    }

    /// The samples of `variable` of `population` recorded in `instance` of the ensemble.
    pub fn instance_state_record(
        &self,
        population: &str,
        variable: &str,
        instance: u32,
    ) -> Result<&StateRecord, Error> {
        self.population_index(population)?;
        let instances = self.plan.config.n_instances;
        if instance >= instances {
            return Err(Error::NoInstance {
                instance,
                instances,
            });
        }
        self.states
            .iter()
            .find(|s| {
                s.population == population && s.variable == variable && s.instance == instance
            })
            .ok_or_else(|| Error::NotRecorded {
                population: population.to_string(),
                what: if self.plan.config.n_instances > 1 {
                    // A recorder samples one instance: say which one was asked for.
                    format!("state variable `{variable}` in instance {instance}")
                } else {
                    format!("state variable `{variable}`")
                },
            })
    }

    /// Every state record, in recorder order.
    pub fn state_records(&self) -> &[StateRecord] {
        &self.states
    }

    /// The current value of `variable` (one of the model's state variables: `v` in mV,
    /// `i_syn_E`/`i_syn_I` in nA, `u`, …) for every neuron of `population`.
    pub fn read_state(&mut self, population: &str, variable: &str) -> Result<Vec<f32>, Error> {
        self.read_instance_state(population, variable, 0)
    }

    /// The current value of `variable` of every neuron of `population` in `instance`
    /// of the ensemble.
    pub fn read_instance_state(
        &mut self,
        population: &str,
        variable: &str,
        instance: u32,
    ) -> Result<Vec<f32>, Error> {
        if instance >= self.plan.config.n_instances {
            return Err(Error::NoInstance {
                instance,
                instances: self.plan.config.n_instances,
            });
        }
        let index = self.population_index(population)?;
        let p = &self.plan.populations[index];
        let var = p
            .state_variables
            .iter()
            .position(|v| *v == variable)
            .ok_or_else(|| Error::UnknownVariable {
                name: variable.to_string(),
                known: match p.state_variables.is_empty() {
                    true => format!("none: a {} keeps no state", p.kind.name()),
                    false => p.state_variables.join(", "),
                },
            })? as u32;
        let state = self.engine.read_state()?;
        let plan = &self.plan;
        Ok(plan
            .instance_state_indices(index, var, instance)
            .enumerate()
            .map(|(k, at)| state[at] + plan.stored_offset(index, instance, k as u32, variable))
            .collect())
    }

    /// The raw fixed-point input ring, layout `[slot][instance][receptor][neuron]`:
    /// the synaptic input already scheduled for the coming steps.
    pub fn read_input_ring(&mut self) -> Result<Vec<i32>, Error> {
        self.engine.read_ring()
    }

    /// The most steps a simulation can run (step numbers are u32 on the device, and a
    /// batch must fit below them).
    pub fn step_limit(&self) -> u64 {
        u64::from(u32::MAX) - u64::from(self.plan.batch_steps)
    }

    /// The plan index of `population`, which must exist, as must `instance`.
    fn population_in(&self, population: &str, instance: u32) -> Result<usize, Error> {
        let pop = self.population_index(population)?;
        if instance >= self.plan.config.n_instances {
            return Err(Error::NoInstance {
                instance,
                instances: self.plan.config.n_instances,
            });
        }
        Ok(pop)
    }

    fn population_index(&self, name: &str) -> Result<usize, Error> {
        self.plan
            .populations
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| Error::UnknownPopulation {
                name: name.to_string(),
                known: self
                    .plan
                    .populations
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Turns one batch's output into records, after checking its fault flags; returns
/// the step up to which the records now hold the run, and the batch's fault.
///
/// A batch with a fault keeps its steps before the fault's first step, where that
/// step is known (a saturated input is noted at the step that would read it, a
/// non-finite state at the update that made it): those steps are what the CPU
/// reference computes too, and they show what led up to the fault. A stage the
/// driver cut short, or a broken record, may have spoilt any step: that batch is
/// dropped whole.
fn absorb(
    plan: &Plan,
    spikes: &mut [SpikeRecord],
    spike_slot: &[Option<usize>],
    states: &mut [StateRecord],
    batch: BatchOutput,
) -> (u64, Result<(), Error>) {
    let end = batch.first_step + u64::from(batch.steps);
    let fault = check_faults(plan, &batch.counters, end);
    let keep_until = match &fault {
        Ok(()) => end,
        // The earlier of the two where a batch has both (the error names one).
        Err(Error::NonFinite { .. } | Error::Saturation { .. } | Error::RuleNonFinite { .. }) => {
            let c = &batch.counters;
            let first = (c.nonfinite_first_step)
                .min(c.saturation_first_step)
                .min(c.rule_nonfinite_first_step);
            u64::from(first).clamp(batch.first_step, end)
        }
        // Spoilt: not even read.
        Err(_) => return (batch.first_step, fault),
    };
    if let Err(e) = absorb_until(plan, spikes, spike_slot, states, &batch, keep_until) {
        return (batch.first_step, Err(e));
    }
    (keep_until, fault)
}

/// Records the batch's steps before `keep_until`.
fn absorb_until(
    plan: &Plan,
    spikes: &mut [SpikeRecord],
    spike_slot: &[Option<usize>],
    states: &mut [StateRecord],
    batch: &BatchOutput,
    keep_until: u64,
) -> Result<(), Error> {
    // Step i's part of the recording holds the spikes of the window starting at i,
    // each `gid + offset · block` with offset its step's place in the window
    // (`plan::window`; the window's other steps' parts are empty): each part is sorted
    // by step and record, then handed on, so every record receives its steps in order.
    let block = plan.n_neurons() * plan.config.n_instances;
    let per_instance = spike_slot.iter().flatten().count();
    let mut part: Vec<(u32, usize, u32)> = Vec::new();
    let mut start = 0usize;
    for (i, &end) in batch.step_ends.iter().enumerate() {
        part.clear();
        for &entry in &batch.record[start..end as usize] {
            let (offset, gid) = (entry / block, entry % block);
            if i + offset as usize >= batch.step_ends.len() {
                return Err(Error::Device(format!(
                    "a spike recorded in the batch at step {} lies after the batch's end",
                    batch.first_step
                )));
            }
            if batch.first_step + (i + offset as usize) as u64 >= keep_until {
                continue;
            }
            let (instance, neuron) = (gid / plan.n_neurons(), gid % plan.n_neurons());
            let pop = plan.population_of(neuron);
            let slot = spike_slot[pop].expect("only recorded populations append");
            part.push((
                offset,
                instance as usize * per_instance + slot,
                neuron - plan.populations[pop].first,
            ));
        }
        part.sort_unstable();
        for group in part.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (offset, slot, _) = group[0];
            let mut neurons: Vec<u32> = group.iter().map(|e| e.2).collect();
            spikes[slot].push_step(
                batch.first_step + (i + offset as usize) as u64,
                &mut neurons,
            );
        }
        start = end as usize;
    }
    for record in spikes.iter_mut() {
        record.duration_steps += keep_until - batch.first_step;
    }
    for (group, record) in plan.probe_groups.iter().zip(states.iter_mut()) {
        let n = group.neurons.len();
        let pop = plan
            .populations
            .iter()
            .position(|p| p.name == group.population)
            .expect("validated");
        let offsets: Vec<f32> = group
            .neurons
            .iter()
            .map(|&n| plan.stored_offset(pop, group.instance, n, &record.variable))
            .collect();
        for (k, step) in group
            .sample_steps(batch.first_step, u64::from(batch.steps))
            .enumerate()
            .take_while(|&(_, step)| step < keep_until)
        {
            let at = group.base as usize + k * n;
            record.steps.push(step);
            record.values.extend(
                batch.probe_out[at..at + n]
                    .iter()
                    .zip(&offsets)
                    .map(|(x, offset)| x + offset),
            );
        }
    }
    Ok(())
}

impl Simulation {
    /// Fills in which variable of the reported neuron is NaN or infinite, and its
    /// value, from the state at the end of the failed batch.
    fn name_nonfinite(&mut self, error: Error) -> Error {
        let Error::NonFinite {
            count,
            batch_end,
            step,
            population,
            neuron,
            instance,
            ..
        } = error
        else {
            return error;
        };
        let pop = self
            .population_index(&population)
            .expect("a planned population");
        let variables = self.plan.populations[pop].state_variables.clone();
        let state = self.engine.read_state().unwrap_or_default();
        let detail = variables
            .iter()
            .enumerate()
            .find_map(|(var, name)| {
                let at = self
                    .plan
                    .instance_state_indices(pop, var as u32, instance)
                    .nth(neuron as usize)?;
                let value = *state.get(at)?;
                (!value.is_finite()).then(|| format!("variable `{name}` = {value}"))
            })
            .unwrap_or_else(|| "(every variable finite again by the end of the batch)".into());
        Error::NonFinite {
            count,
            batch_end,
            step,
            population,
            neuron,
            instance,
            detail,
        }
    }
}

fn check_faults(plan: &Plan, counters: &Counters, batch_end: u64) -> Result<(), Error> {
    // First: a stage cut short may have left anything else in any state.
    if counters.loop_cut_count > 0 {
        return Err(Error::LoopLimit {
            count: counters.loop_cut_count,
            during: format!("in the batch ending at step {batch_end}"),
            stage: crate::plan::layout::stage_name(counters.loop_cut_stage),
        });
    }
    if counters.rule_nonfinite_count > 0 {
        let rule = plan
            .custom_rules
            .get(counters.rule_nonfinite_min_rule as usize);
        return Err(Error::RuleNonFinite {
            count: counters.rule_nonfinite_count,
            step: counters.rule_nonfinite_first_step,
            t_ms: f64::from(counters.rule_nonfinite_first_step) * plan.dt_ms,
            rule: rule.map_or("?".into(), |r| r.name.clone()),
        });
    }
    if counters.nonfinite_count > 0 {
        let neuron = counters.nonfinite_min_neuron % plan.n_neurons();
        let pop = &plan.populations[plan.population_of(neuron)];
        return Err(Error::NonFinite {
            count: counters.nonfinite_count,
            batch_end,
            step: counters.nonfinite_first_step,
            population: pop.name.clone(),
            neuron: neuron - pop.first,
            instance: counters.nonfinite_min_neuron / plan.n_neurons(),
            detail: "variable not read yet".into(),
        });
    }
    if counters.record_count > plan.config.record_capacity {
        return Err(Error::RecordOverflow {
            recorded: counters.record_count,
            capacity: plan.config.record_capacity,
        });
    }
    if counters.saturation_count > 0 {
        let n = plan.n_neurons();
        let ring = n * plan.config.n_receptors;
        let target = counters.saturation_min_target % ring;
        let receptor = target / n;
        let neuron = target % n;
        let pop = &plan.populations[plan.population_of(neuron)];
        return Err(Error::Saturation {
            count: counters.saturation_count,
            batch_end,
            step: counters.saturation_first_step,
            population: pop.name.clone(),
            neuron: neuron - pop.first,
            instance: counters.saturation_min_target / ring,
            receptor: match receptor {
                0 => "excitatory".into(),
                1 => "inhibitory".into(),
                k => format!("port {k}"),
            },
            scale_log2: pop.input_scale_log2[receptor as usize],
        });
    }
    Ok(())
}
