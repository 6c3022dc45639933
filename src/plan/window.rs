//! Several steps per neuron-update dispatch: NEST's communication interval, applied
//! to kernel launches. A spike emitted at step t with delay d arrives at t + d, so
//! with every delay at least D steps no spike emitted within a window of W ≤ D steps
//! reaches a neuron within that window. The neuron update can then integrate the
//! whole window in one dispatch (state in registers, one input ring slot per step),
//! and one propagation delivers the window's spikes: fewer dispatches, and a
//! neuron's state, refractory counter and population record read and written once
//! per window instead of once per step. The raster, state and ring are those of one
//! step per dispatch (tested against the CPU reference and against W = 1).
//!
//! A spike in the window's list is `gid + k · (n_neurons · n_instances)`, k being its
//! step's offset in the window, so propagation recovers its step (and the recording
//! likewise: see `Simulation`'s batch absorption). The list keeps each step's spikes
//! apart (step k's from `k · n_neurons · n_instances` on, counted in
//! `Counters::spike_counts`), and propagation takes them step by step: its atomic
//! additions then stay within one ring slot at a time instead of spreading over the
//! window's slots, which a CPU's caches hold far better (Brunel at 10^5 neurons:
//! a slot is 0.8 MB, the window's slots 12 MB).
//!
//! Mesa's gallivm (lavapipe's compiler) gives each shader invocation 65,535 loop
//! iterations, all its loops together (`LP_MAX_TGSI_LOOP_ITERATIONS`, "shared between
//! every loop"), and then silently leaves every loop: a window multiplies an update's
//! iterations by its steps, so it is also kept within [`LOOP_ITERATION_BUDGET`] by a
//! bound on one step's iterations ([`loop_cap`]; found when Poisson input of 10^7 Hz
//! stopped after 16 steps of a 32-step window on lavapipe).

use super::layout::{POISSON_TABLE, STIMULUS_POISSON};
use super::{NeuronKind, Plan};

/// Loop iterations a window may take per invocation: a quarter of gallivm's limit.
pub const LOOP_ITERATION_BUDGET: u64 = 16_384;

/// Iterations one step of any model takes outside its stimuli and model-specific
/// loops, generously: the receptor and state loops, and the constant-bound loops
/// (`det_exp`, Philox's rounds) counted as if the compiler had not unrolled them.
const STEP_LOOPS: u64 = 64;

/// The most steps one window spans: the loop's private state stays small, and the
/// gain flattens long before (dispatch overhead is paid once per window).
pub const MAX_WINDOW_STEPS: u32 = 32;

/// The most bytes a window's spike list may take (it holds every neuron spiking in
/// every step of the window); larger networks get shorter windows.
pub const WINDOW_SPIKE_LIST_BYTES: u64 = 64 << 20;

/// The window for a network whose shortest delay is `min_delay` steps (u32::MAX
/// without synapses), with `entries` = neurons × instances: at most the delay, the
/// batch, [`MAX_WINDOW_STEPS`] and what [`WINDOW_SPIKE_LIST_BYTES`] holds, and small
/// enough that an encoded spike (below `window · entries`) fits in 32 bits. Stages
/// that must run every step (plasticity, gap junctions, astrocytes, probes) need 1,
/// which the caller passes as `per_step`.
pub fn window_steps(min_delay: u32, entries: u64, batch_steps: u32, per_step: bool) -> u32 {
    if per_step {
        return 1;
    }
    let entries = entries.max(1);
    let by_memory = WINDOW_SPIKE_LIST_BYTES / (4 * entries);
    let by_encoding = u64::from(u32::MAX) / entries;
    [
        u64::from(min_delay),
        u64::from(MAX_WINDOW_STEPS),
        u64::from(batch_steps),
        by_memory,
        by_encoding,
    ]
    .into_iter()
    .min()
    .unwrap_or(1)
    .max(1) as u32
}

/// The longest window whose worst-case loop iterations stay within
/// [`LOOP_ITERATION_BUDGET`]: per step, the stimulus loop, each Poisson stimulus's
/// chunks (a threshold search of up to `POISSON_TABLE` iterations, one Philox call per
/// four chunks), and the model's own loops (Hodgkin–Huxley's
/// substeps, a spike source array's list, a stream's binary search), summed over the
/// populations of a kind. 1 for a custom model, whose loops are unknown.
pub fn loop_cap(plan: &Plan) -> u32 {
    let table = POISSON_TABLE as u64;
    let instances = plan.config.n_instances;
    let mut per_group = vec![0u64; plan.groups.len().max(1)];
    for (i, p) in plan.populations.iter().enumerate() {
        let model = match p.kind {
            NeuronKind::Custom(_) => return 1,
            NeuronKind::HhCondExpTraub => {
                // Each substep evaluates the right-hand side four times.
                let blocks = if p.info.param_stride == 0 { 1 } else { p.size };
                let substeps = (0..instances)
                    .flat_map(|b| (0..blocks).map(move |n| (b, n)))
                    .map(|(b, n)| {
                        let at = p.info.param_offset
                            + b * plan.config.params_stride
                            + n * p.info.param_stride
                            + 12;
                        plan.params.get(at as usize).map_or(1.0, |&x| f64::from(x))
                    })
                    .fold(1.0f64, f64::max);
                (substeps as u64).saturating_mul(STEP_LOOPS)
            }
            // At most the whole list in one step: one instance's block.
            NeuronKind::SpikeSourceArray => plan.population_params(i).len() as u64,
            NeuronKind::SpikeSourceStream => 33,
            _ => 0,
        };
        let stimuli = (0..instances)
            .map(|b| {
                plan.stimuli_of(p, b)
                    .iter()
                    .map(|s| {
                        1 + if s.kind == STIMULUS_POISSON {
                            u64::from(s.chunks) * (table + 3) + 3
                        } else {
                            0
                        }
                    })
                    .sum::<u64>()
            })
            .max()
            .unwrap_or(0);
        // Populations of one kind share a kernel, and lanes of different populations
        // can share a SIMD vector, whose loops run as long as their longest lane: the
        // kind's populations are summed.
        let group = plan
            .groups
            .iter()
            .position(|g| g.kind == p.kind)
            .unwrap_or(0);
        per_group[group] = per_group[group].saturating_add(model.saturating_add(stimuli));
    }
    let worst = STEP_LOOPS.saturating_add(per_group.into_iter().max().unwrap_or(0));
    // The population lookup runs once per dispatch.
    let budget = LOOP_ITERATION_BUDGET.saturating_sub(plan.populations.len() as u64);
    (budget / worst).clamp(1, u64::from(MAX_WINDOW_STEPS)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_the_shortest_delay_within_its_limits() {
        // Brunel: 1.5 ms at 0.1 ms.
        assert_eq!(window_steps(15, 12_500, 500, false), 15);
        // A delay of one step, or a stage that runs every step: one step per dispatch.
        assert_eq!(window_steps(1, 12_500, 500, false), 1);
        assert_eq!(window_steps(15, 12_500, 500, true), 1);
        // No synapses: the longest window.
        assert_eq!(window_steps(u32::MAX, 100, 500, false), MAX_WINDOW_STEPS);
        // A short batch.
        assert_eq!(window_steps(15, 100, 4, false), 4);
        // 10^7 neurons: 64 MiB holds one step's list and a bit.
        assert_eq!(window_steps(15, 10_000_000, 500, false), 1);
        assert_eq!(window_steps(15, 4_000_000, 500, false), 4);
        // An encoded spike below 2^32.
        assert_eq!(window_steps(15, 1 << 31, 500, false), 1);
    }
}
