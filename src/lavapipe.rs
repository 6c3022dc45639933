//! How many worker threads lavapipe, Mesa's Vulkan driver on the CPU (what every user
//! without a GPU runs on, CI included), should give a network.
//!
//! lavapipe runs each compute dispatch on `LP_NUM_THREADS` worker threads (default:
//! one per core) and hands every dispatch to them and back; with `LP_NUM_THREADS=0`
//! the thread that submits runs the kernels itself. On two cores (a virtual machine,
//! Mesa 22.3 and 25.0 alike) the hand-off costs more than a small network's whole
//! dispatch: CUBA (4,000 neurons, three dispatches a step) used 0.88 of a core with two
//! threads, the rest waiting, and took 1.55× longer than on one. Measured real-time
//! factors, one thread against two (`neurodyn run`, lowest of three, 2026-12-07,
//! BENCHMARKS.md "lavapipe's thread count chosen by the network"): CUBA 2.17 against
//! 3.37, COBA 2.23 against 3.01, CUBA scaled to 8,000 neurons 5.6 against 6.0, to
//! 16,000 6.8 against 9.1 (level at the middle of three), to 32,000 15.5 against 15.1; COBAHH (4,000 Hodgkin–Huxley neurons)
//! 60.9 against 41.7 and Brunel at 12,500 neurons (15 steps a dispatch) 13.7 against
//! 9.7.
//!
//! [`dispatch_work`] estimates a dispatch's work from the network alone, in units of
//! one `iaf_psc_exp` update, and [`preferred_threads`] asks for one thread up to
//! [`ONE_THREAD_WORK`]. lavapipe reads the variable whenever a GPU context starts
//! (each wgpu instance that lists its adapters starts the driver anew, with its own
//! threads), so it must be set before the `Simulation` is made, and the estimate uses
//! no plan. The library never sets it on its own, since a library must not change
//! the environment of the program that links it: a program asks for it with
//! [`ThreadChoice`], as the `neurodyn` command and the examples do.

use std::sync::OnceLock;

use crate::model::{Network, NeuronModel, Stimulus};
use crate::plan::memory::{estimate_sizes, expected_synapses};

/// The environment variable lavapipe reads for its worker thread count.
pub const THREADS_VARIABLE: &str = "LP_NUM_THREADS";

/// Work of one dispatch (in `iaf_psc_exp` updates) up to which one thread is asked
/// for: conservatively below CUBA scaled to 16,000 neurons (17,280), where one thread
/// was still as fast or faster, and well below 32,000 (34,560), where two won.
pub const ONE_THREAD_WORK: f64 = 16_000.0;

/// The mean rate assumed for the synaptic events of a network not yet simulated (Hz).
const NOMINAL_RATE_HZ: f64 = 10.0;

/// One neuron's Poisson draw per step, and one synaptic event, in `iaf_psc_exp`
/// updates: a Poisson stimulus of 20 kHz doubled `iaf_psc_delta`'s update, and Brunel's
/// propagation delivered events at about the rate its update integrated neurons
/// (one lavapipe thread).
const POISSON_COST: f64 = 1.0;
const EVENT_COST: f64 = 1.0;

/// One step of `model` in `iaf_psc_exp` updates: each model's update of 10,000
/// neurons on one pinned lavapipe thread (`LP_NUM_THREADS=0 taskset -c 1 neurodyn
/// profile`, 2026-12-07). Not measured, assumed: the spike sources as the parrot
/// neuron, the passive membrane as iaf_cond_exp, and a custom model (whose
/// arithmetic is unknown) as one.
fn update_cost(model: &NeuronModel) -> f64 {
    match model {
        NeuronModel::IafPscExp(_) | NeuronModel::Custom(_) => 1.0,
        NeuronModel::IafPscDelta(_) => 0.9,
        NeuronModel::IafPscAlpha(_) | NeuronModel::Izhikevich(_) => 1.2,
        NeuronModel::IafCondExp(_) | NeuronModel::PassivePscExp(_) => 1.5,
        NeuronModel::IafCondAlpha(_) => 1.6,
        NeuronModel::AeifCondExp(_) => 3.0,
        NeuronModel::HhCondExpTraub(_) => 73.0,
        NeuronModel::SpikeSourceArray(_)
        | NeuronModel::ParrotNeuron(_)
        | NeuronModel::SpikeSourceStream(_) => 0.7,
    }
}

/// The estimated work of one neuron-update dispatch and the propagation of its
/// spikes, in `iaf_psc_exp` updates: every neuron's update and Poisson draws, and the
/// synaptic events at [`NOMINAL_RATE_HZ`], over the instances and the steps one
/// dispatch integrates (counted before the plan's cap on a window's loop iterations,
/// so never fewer than the plan integrates). For a network that passed validation.
pub fn dispatch_work(network: &Network) -> f64 {
    let size = |name: &str| network.population(name).map_or(0.0, |p| f64::from(p.size));
    let updates: f64 = network
        .populations
        .iter()
        .map(|p| f64::from(p.size) * update_cost(&p.neuron))
        .sum();
    let poisson: f64 = network
        .stimuli
        .iter()
        .filter(|s| {
            matches!(
                s,
                Stimulus::Poisson { .. } | Stimulus::InhomogeneousPoisson { .. }
            )
        })
        .map(|s| size(s.target()))
        .sum();
    let synapses: f64 = network
        .projections
        .iter()
        .map(|p| {
            expected_synapses(
                &p.connectivity,
                size(&p.pre) as u64,
                size(&p.post) as u64,
                p.pre == p.post,
            )
        })
        .sum();
    let events = synapses * NOMINAL_RATE_HZ * network.dt_ms * 1e-3;
    let sizes = estimate_sizes(network);
    (updates + poisson * POISSON_COST + events * EVENT_COST)
        * sizes.instances as f64
        * sizes.window_steps as f64
}

/// The lavapipe thread count `network` runs fastest with: `Some(0)` (the submitting
/// thread runs the kernels) where a dispatch's estimated work is at most
/// [`ONE_THREAD_WORK`], else `None` (lavapipe's default, one thread per core). Only
/// lavapipe reads the variable; on a GPU it changes nothing.
pub fn preferred_threads(network: &Network) -> Option<u32> {
    (dispatch_work(network) <= ONE_THREAD_WORK).then_some(0)
}

/// A program's choice of lavapipe's thread count, network by network: where the user
/// had not set `LP_NUM_THREADS` when the program started, [`ThreadChoice::apply`] sets
/// it as [`preferred_threads`] says before each network's `Simulation` is made.
///
/// For a program's `main`, never for a library: it changes the process's environment,
/// which is sound only while no other thread of the program reads it. The driver's
/// own threads end with the `Simulation` that started them.
#[derive(Debug, Clone, Copy)]
pub struct ThreadChoice {
    user_set: bool,
}

impl ThreadChoice {
    /// Whether the user set the variable, as the first call found it (later calls
    /// would otherwise take a count `apply` set for the user's): call it when the
    /// program starts.
    pub fn at_start() -> Self {
        static USER_SET: OnceLock<bool> = OnceLock::new();
        Self {
            user_set: *USER_SET.get_or_init(|| std::env::var_os(THREADS_VARIABLE).is_some()),
        }
    }

    /// Sets the variable for `network` (or clears it, for the driver's default), unless
    /// the user set it or the network is invalid (its `Simulation` then reports why).
    /// Call before the network's `Simulation` is made.
    pub fn apply(&self, network: &Network) {
        if self.user_set || network.validate().is_err() {
            return;
        }
        match preferred_threads(network) {
            Some(threads) => std::env::set_var(THREADS_VARIABLE, threads.to_string()),
            None => std::env::remove_var(THREADS_VARIABLE),
        }
    }
}
