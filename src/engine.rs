//! What a backend does for a `Simulation`: run batches of steps and hand back each
//! batch's recordings, in one format for both backends, so that everything after the
//! device (records, fault checks) is shared code.

use crate::error::Error;
use crate::plan::layout::Counters;
use crate::plan::Plan;

/// What one batch of steps produced, as read back from the device.
#[derive(Debug, Clone)]
pub(crate) struct BatchOutput {
    pub first_step: u64,
    pub steps: u32,
    /// The counters after the batch (fault flags, recorded spike count).
    pub counters: Counters,
    /// For each step, the end of its recorded spikes in `record`.
    pub step_ends: Vec<u32>,
    /// Recorded spikes: global neuron indices, grouped by step, unordered within a step.
    pub record: Vec<u32>,
    /// Probe samples, laid out per the plan's probe groups.
    pub probe_out: Vec<f32>,
}

/// The GPU time one kernel took over a profiled run: from the timestamp before its
/// dispatch to the one after (so launch gaps count towards the kernel that follows).
#[derive(Debug, Clone, PartialEq)]
pub struct KernelTime {
    pub kernel: String,
    pub calls: u64,
    pub total_ns: f64,
}

/// Receives each batch's output as soon as it is read back.
pub(crate) type BatchSink<'a> = dyn FnMut(BatchOutput) -> Result<(), Error> + 'a;

/// A backend executing a plan.
pub(crate) trait Engine {
    /// Runs `steps` steps starting at `first_step`, calling `sink` once per batch in order.
    fn run(&mut self, first_step: u64, steps: u64, sink: &mut BatchSink<'_>) -> Result<(), Error>;
    /// Runs like `run` with every dispatch timed (timestamp queries), or returns `None`
    /// after running untimed where the backend cannot time its kernels.
    fn profile(
        &mut self,
        first_step: u64,
        steps: u64,
        sink: &mut BatchSink<'_>,
    ) -> Result<Option<Vec<KernelTime>>, Error> {
        self.run(first_step, steps, sink)?;
        Ok(None)
    }
    /// The whole state buffer, layout `[variable][instance][neuron]`.
    fn read_state(&mut self) -> Result<Vec<f32>, Error>;
    /// The whole input ring, layout `[slot][instance][receptor][neuron]`.
    fn read_ring(&mut self) -> Result<Vec<i32>, Error>;
    /// What runs the simulation (adapter name and backend, or "CPU reference").
    fn describe(&self) -> String;
}

/// The batches `(first, len)` covering `steps` steps from `first_step`.
pub(crate) fn batches(
    first_step: u64,
    steps: u64,
    batch_steps: u32,
) -> impl Iterator<Item = (u64, u32)> {
    let batch = u64::from(batch_steps);
    (0..steps.div_ceil(batch)).map(move |i| {
        let first = first_step + i * batch;
        (first, batch.min(first_step + steps - first) as u32)
    })
}

/// Whether any probe group samples at the end of `step` (the probe stage is only
/// dispatched then).
pub(crate) fn probes_sample_at(plan: &Plan, step: u64) -> bool {
    plan.probe_groups
        .iter()
        .any(|g| step.is_multiple_of(u64::from(g.every)))
}
