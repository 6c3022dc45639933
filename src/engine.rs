//! What a backend does for a `Simulation`: run batches of steps and hand back each
//! batch's recordings, in one format for both backends, so that everything after the
//! device (records, fault checks) is shared code.

use std::time::Duration;

use crate::checkpoint::Snapshot;
use crate::error::Error;
use crate::input::StreamedInput;
use crate::plan::layout::Counters;
use crate::plan::{NeuronKind, Plan};

/// What one batch of steps produced, as read back from the device.
#[derive(Debug, Clone)]
pub(crate) struct BatchOutput {
    pub first_step: u64,
    pub steps: u32,
    /// The counters after the batch (fault flags, recorded spike count).
    pub counters: Counters,
    /// For each step, the end of its part of `record`: the spikes of the window
    /// (`plan::window`) that starts at that step (the window's other steps' parts are
    /// empty).
    pub step_ends: Vec<u32>,
    /// Recorded spikes, each `gid + k · n_neurons · n_instances` with gid the global
    /// neuron index and k the step's place in its window; grouped by window,
    /// unordered within one.
    pub record: Vec<u32>,
    /// Probe samples, laid out per the plan's probe groups.
    pub probe_out: Vec<f32>,
}

/// What a dispatch does: the rows of the profiler's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelKind {
    /// Gap junction currents, before the neuron updates.
    GapCoupling,
    /// The neuron update of one model's populations (inputs included: the ring slot,
    /// Poisson and DC drive are read there).
    NeuronUpdate(NeuronKind),
    /// The one-invocation hand-over of the step's spike count to propagation.
    PropagatePrepare,
    /// Spike propagation through stored synapses.
    Propagate,
    /// Spike propagation through procedural projections (rows regenerated).
    PropagateProcedural,
    /// Spike propagation through plastic synapses, each updated by the presynaptic
    /// spike first.
    PropagatePlastic,
    /// The postsynaptic side of plasticity (transposed rows of past spikes).
    PlasticPost,
    /// The per-step weight change of Hebbian, scaling, error-modulated and custom
    /// rules.
    PlasticSweep,
    /// Every three-factor synapse brought up to date (every `FLUSH_STEPS` steps).
    PlasticFlush,
    /// State recording.
    Probe,
}

impl KernelKind {
    pub fn label(self) -> String {
        match self {
            KernelKind::NeuronUpdate(kind) => format!("neuron_update ({})", kind.name()),
            KernelKind::PropagatePrepare => "propagate_prepare".to_string(),
            KernelKind::Propagate => "propagate".to_string(),
            KernelKind::PropagateProcedural => "propagate_procedural".to_string(),
            KernelKind::PropagatePlastic => "propagate_plastic".to_string(),
            KernelKind::PlasticPost => "plastic_post".to_string(),
            KernelKind::PlasticSweep => "plastic_sweep".to_string(),
            KernelKind::PlasticFlush => "plastic_flush".to_string(),
            KernelKind::Probe => "probe".to_string(),
            KernelKind::GapCoupling => "gap_coupling".to_string(),
        }
    }
}

/// The device time one kernel kind took over a profiled run. With timestamp queries:
/// from the timestamp before each dispatch to the one after (so launch gaps count
/// towards the kernel that follows). Timed on the host: from each dispatch's
/// submission to the device's completion of it, so the submit-and-wait round trip
/// (`Profile::host_sync_ns`) is included in every call.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelTime {
    pub kind: KernelKind,
    pub calls: u64,
    pub total_ns: f64,
}

impl KernelTime {
    /// Adds one call of `kind` to the row for it in `totals`.
    pub(crate) fn add(totals: &mut Vec<KernelTime>, kind: KernelKind, ns: f64) {
        match totals.iter_mut().find(|t| t.kind == kind) {
            Some(t) => {
                t.calls += 1;
                t.total_ns += ns;
            }
            None => totals.push(KernelTime {
                kind,
                calls: 1,
                total_ns: ns,
            }),
        }
    }
}

/// How kernels are timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelTiming {
    /// Timestamp queries inside the compute pass, where the adapter has them, else
    /// host timing.
    Auto,
    /// Each dispatch submitted alone and waited for, timed by the host clock (what
    /// adapters without timestamp queries get; selectable to compare the two).
    Host,
}

/// Kernel times of a profiled run.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelProfile {
    /// Whether the times are from timestamp queries (else the host clock).
    pub timestamps: bool,
    /// With host timing, the measured round trip of an empty submission (ns), which
    /// every call's time includes.
    pub host_sync_ns: Option<f64>,
    pub kernels: Vec<KernelTime>,
    /// Compute passes recorded.
    pub passes: u64,
}

/// Receives each batch's output as soon as it is read back.
pub(crate) type BatchSink<'a> = dyn FnMut(BatchOutput) -> Result<(), Error> + 'a;

/// A backend executing a plan.
pub(crate) trait Engine: Send {
    /// Runs `steps` steps starting at `first_step` with the streamed events and
    /// currents of `input`, calling `sink` once per batch in order.
    fn run(
        &mut self,
        first_step: u64,
        steps: u64,
        input: &mut StreamedInput,
        sink: &mut BatchSink<'_>,
    ) -> Result<(), Error>;
    /// Runs like `run` with every dispatch timed, or returns `None` after running
    /// untimed where the backend has no kernels to time (the CPU reference).
    fn profile(
        &mut self,
        first_step: u64,
        steps: u64,
        _timing: KernelTiming,
        input: &mut StreamedInput,
        sink: &mut BatchSink<'_>,
    ) -> Result<Option<KernelProfile>, Error> {
        self.run(first_step, steps, input, sink)?;
        Ok(None)
    }
    /// The device's buffer-to-buffer copy bandwidth in bytes per second, counting the
    /// bytes read and the bytes written (the convention of the kernels' byte counts),
    /// or `None` where there is no device.
    fn copy_bandwidth(&mut self) -> Result<Option<f64>, Error> {
        Ok(None)
    }
    /// Host time spent so far handing batch outputs to the records (for GPU backends,
    /// the copy out of the mapped staging buffer included; the wait for the device is
    /// not).
    fn readback_time(&self) -> Duration;
    /// Time spent building the synapses of projections built on the device (zero
    /// without them).
    fn device_build_time(&self) -> Duration;
    /// Row starts of the table built on the device (empty without one): its rows'
    /// lengths, which only the build knows.
    fn built_row_start(&mut self) -> Result<Vec<u32>, Error>;
    /// The dynamic state between batches (for checkpoints).
    fn snapshot(&mut self) -> Result<Snapshot, Error>;
    /// Replaces the dynamic state with `snapshot` (sizes checked by the caller).
    fn restore(&mut self, snapshot: &Snapshot) -> Result<(), Error>;
    /// The whole state buffer: per kernel group, layout `[instance][neuron][word]` in
    /// blocks of `plan::layout::state_words` words (variables, then the refractory
    /// counter's bits in the block's last word).
    fn read_state(&mut self) -> Result<Vec<f32>, Error>;
    /// Every plastic synapse's state words, layout `[instance][synapse][word]`.
    fn read_plastic_state(&mut self) -> Result<Vec<u32>, Error>;
    /// Replaces the plastic synapse state (length checked by the caller).
    fn write_plastic_state(&mut self, words: &[u32]) -> Result<(), Error>;
    /// The modulators of the plasticity rules, layout `[rule][instance][word]`.
    fn read_modulators(&mut self) -> Result<Vec<u32>, Error>;
    /// Replaces the modulators (length checked by the caller).
    fn write_modulators(&mut self, words: &[u32]) -> Result<(), Error>;
    /// The whole input ring, layout `[slot][instance][receptor][neuron]`.
    fn read_ring(&mut self) -> Result<Vec<i32>, Error>;
    /// Writes `values` into the error buffer from entry `at`.
    fn write_errors(&mut self, at: usize, values: &[f32]) -> Result<(), Error>;
    /// The readout words (`Plan::readouts_len`).
    fn read_readouts(&mut self) -> Result<Vec<u32>, Error>;
    /// What runs the simulation (adapter name and backend, or "CPU reference").
    fn describe(&self) -> String;
    /// The wgpu device and queue the engine runs on (none for the CPU reference).
    fn wgpu(&self) -> Option<(wgpu::Device, wgpu::Queue)>;
}

/// One batch: its first step, its length, its event and current tables.
pub(crate) type Batch = (u64, u32, (Vec<u32>, Vec<u32>));

/// The first steps of the windows covering a batch of `steps` steps from
/// `first_step`: `window` steps each, the last cut at the batch's end
/// (`plan::window`; the kernels cut it alike).
pub fn window_starts(first_step: u64, steps: u32, window: u32) -> impl Iterator<Item = u64> {
    (first_step..first_step + u64::from(steps)).step_by(window.max(1) as usize)
}

/// The batches covering `steps` steps from `first_step`: `batch_steps` steps each,
/// fewer where the streamed input would not fit its tables.
pub(crate) fn batches(
    first_step: u64,
    steps: u64,
    batch_steps: u32,
    input: &mut StreamedInput,
) -> impl Iterator<Item = Batch> + '_ {
    let end = first_step + steps;
    let mut next = first_step;
    std::iter::from_fn(move || {
        if next >= end {
            return None;
        }
        let first = next;
        let len = input.fit(first, u64::from(batch_steps).min(end - first) as u32);
        next += u64::from(len);
        Some((first, len, input.take_tables(first, len)))
    })
}

/// Whether any probe group samples at the end of `step` (the probe stage is only
/// dispatched then).
pub(crate) fn probes_sample_at(plan: &Plan, step: u64) -> bool {
    plan.probe_groups
        .iter()
        .any(|g| step.is_multiple_of(u64::from(g.every)))
}
