//! Potjans & Diesmann (2014)'s cortical microcircuit: 1 mm² of early sensory cortex as
//! eight populations of `iaf_psc_exp` neurons (excitatory and inhibitory in layers
//! 2/3, 4, 5 and 6), 77,169 neurons and about 3·10⁸ synapses at full scale, driven by
//! Poisson background input. Built at any scale of the neuron numbers (`scale`, NEST's
//! `N_scaling`) and of the in-degrees (`k_scale`, NEST's `K_scaling`).
//!
//! # Source
//!
//! Potjans TC, Diesmann M (2014) The cell-type specific cortical microcircuit:
//! relating structure and activity in a full-scale spiking network model. Cereb Cortex
//! 24:785–806. The construction follows NEST's PyNEST example
//! `pynest/examples/Potjans_2014/` (`network_params.py`, `helpers.py`, `network.py`,
//! `sim_params.py`) in its last version inside the NEST repository (the parent of
//! commit 09c1a3ccf, August 2025, which removed it from `pynest/examples`), step by
//! step:
//!
//! * **Neurons.** `iaf_psc_exp` with NEST's defaults C_m = 250 pF and τ_m = 10 ms,
//!   and τ_syn,E = τ_syn,I = 0.5 ms, t_ref = 2 ms, E_L = V_reset = −65 mV,
//!   V_th = −50 mV, I_e = the DC below:
//!
//!   ```text
//!   C_m dV/dt = −C_m/τ_m (V − E_L) + I_E + I_I + I_e
//!   dI_X/dt   = −I_X / τ_syn          (a spike adds its weight to I_X)
//!   V ≥ V_th  ⇒  spike, V ← V_reset, clamped for t_ref
//!   ```
//!
//!   Initial V per population from NEST's `V0_type = "optimized"`: normal with means
//!   [`V0_MEAN_MV`] and SDs [`V0_SD_MV`] (unbounded in NEST; here redrawn beyond
//!   8 SD like every neurodyn normal).
//! * **Sizes.** `round(N_full · scale)` per population ([`FULL_NUM_NEURONS`]; numpy's
//!   `round`, halves to even, so scale 0.1 gives 7,717 neurons).
//! * **Synapse numbers.** For target population `i` and source `j` with connection
//!   probability `p_ij` ([`CONN_PROBS`], rows = targets), the full-scale total number
//!   of synapses is `K_ij = ln(1 − p_ij) / ln((N_i N_j − 1)/(N_i N_j))` (helpers.py
//!   `num_synapses_from_conn_probs`; the number of draws with replacement that
//!   reaches pairwise connection probability p), and the scaled number is
//!   `round(K_ij · scale · k_scale)`, so the mean in-degree `K_ij / N_i` scales with
//!   `k_scale` alone. Rule `fixed_total_number` with NEST's defaults for it: autapses
//!   and multapses allowed (NEST cannot forbid multapses for this rule, and the
//!   example leaves `allow_autapses` at its default, true). Pairs with `p = 0` get no
//!   projection (NEST connects them with N = 0).
//! * **Weights.** PSP amplitudes 0.15 mV (excitatory sources), −4 · 0.15 mV
//!   (inhibitory sources, g = −4), 0.3 mV for L4E → L2/3E, converted to PSC
//!   amplitudes by [`psc_over_psp`] (helpers.py `postsynaptic_potential_to_current`:
//!   the peak of the PSP of an exponential current; 585.39 pA/mV, so 87.81 pA for
//!   0.15 mV). Per synapse: normal with SD 0.1·|mean|, redrawn until excitatory
//!   weights are ≥ 0 and inhibitory ≤ 0 (`nest.math.redraw`). neurodyn takes nA:
//!   pA / 1000.
//! * **Delays.** Normal with mean 1.5 ms (excitatory sources) / 0.75 ms (inhibitory)
//!   and SD half the mean, redrawn below `dt/2` (NEST: `min = resolution −
//!   0.5·resolution`), then rounded to whole steps.
//! * **External input.** With `poisson_input`, every neuron gets its own Poisson
//!   train of rate `8 Hz · round(K_ext · k_scale)` ([`K_EXT`]; NEST: one
//!   `poisson_generator` per population connected all-to-all, which sends independent
//!   trains) with the excitatory PSC as weight. NEST delivers it with a 1.5 ms delay;
//!   neurodyn's Poisson stimulus has none, which only shifts a stationary train.
//!   Without, a DC of `8 Hz · K_ext · PSC_ext · τ_syn` (helpers.py
//!   `dc_input_compensating_poisson`; pA with Hz, pA, ms and the factor 0.001) replaces
//!   it, with the full K_ext.
//! * **In-degree scaling.** When `k_scale ≠ 1`, as helpers.py
//!   `adjust_weights_and_input_to_synapse_scaling` does: all weights (recurrent and
//!   external) are divided by `√k_scale` and each population's DC changes by
//!   `0.001 · τ_syn · (1 − √k_scale) · (Σ_j PSC_ij · (K_ij / N_i) · ν_j + [Poisson
//!   input] PSC_ext · K_ext,i · 8 Hz)`, with `ν_j` the full-scale rates NEST stores as
//!   `full_mean_rates` ([`PUBLISHED_RATES_HZ`]), so that the mean input stays that of
//!   the full-scale network and its variance is kept by the larger weights.
//!
//! Every population's spikes are recorded. NEST's example simulates a 500 ms
//! transient ([`T_PRESIM_MS`]) and computes rates over the following 1000 ms
//! ([`T_SIM_MS`]).

use super::{
    Connectivity, IafPscExp, ModelError, Network, NeuronModel, Population, Projection, Receptor,
    Stimulus, Value,
};

/// The populations, in NEST's order (excitatory, inhibitory per layer).
pub const POPULATIONS: [&str; 8] = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"];

/// Neurons per population at full scale (`full_num_neurons`); 77,169 in all.
pub const FULL_NUM_NEURONS: [u32; 8] = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948];

/// Connection probabilities (`conn_probs`); rows are targets, columns sources, both in
/// the order of [`POPULATIONS`].
pub const CONN_PROBS: [[f64; 8]; 8] = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [
        0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252,
    ],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
];

/// External (Poisson) in-degree per population at full scale (`K_ext`).
pub const K_EXT: [u32; 8] = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100];

/// Mean rates (Hz) of NEST's full-scale network, one simulation (`full_mean_rates`,
/// NEST 3.x); also what the in-degree scaling's DC compensation assumes. Compare means
/// over several seeds.
pub const PUBLISHED_RATES_HZ: [f64; 8] = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829];

/// Mean rates (Hz) of NEST's own run of its example at `N_scaling = K_scaling = 0.1`
/// (the example's defaults, 7,717 neurons), over 500–1500 ms: the means of
/// `reference_data/rate0.dat` … `rate7.dat` (NEST master@7c40d9e9a, December 2022).
/// One seed; the reference for scale-0.1 runs, which differ from the full-scale rates.
pub const NEST_SCALE_0_1_RATES_HZ: [f64; 8] =
    [0.402, 2.017, 3.88, 4.958, 6.575, 7.726, 0.831, 6.986];

/// Mean initial membrane potential per population (mV; `V0_type = "optimized"`).
pub const V0_MEAN_MV: [f64; 8] = [
    -68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43,
];
/// SD of the initial membrane potential per population (mV).
pub const V0_SD_MV: [f64; 8] = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48];

/// Rate of each external Poisson source (Hz; `bg_rate`).
pub const BG_RATE_HZ: f64 = 8.0;
/// Mean excitatory PSP (mV; `PSP_exc_mean`).
pub const PSP_EXC_MEAN_MV: f64 = 0.15;
/// Relative SD of the weights (`weight_rel_std`).
pub const WEIGHT_REL_SD: f64 = 0.1;
/// Relative inhibitory weight (`g`).
pub const G: f64 = -4.0;
/// Mean delay of excitatory connections (ms).
pub const DELAY_EXC_MEAN_MS: f64 = 1.5;
/// Mean delay of inhibitory connections (ms).
pub const DELAY_INH_MEAN_MS: f64 = 0.75;
/// Relative SD of the delays (`delay_rel_std`).
pub const DELAY_REL_SD: f64 = 0.5;
/// Membrane capacitance (pF; NEST's `iaf_psc_exp` default).
pub const C_M_PF: f64 = 250.0;
/// Membrane time constant (ms; NEST's default).
pub const TAU_M_MS: f64 = 10.0;
/// Synaptic time constant, excitatory and inhibitory (ms).
pub const TAU_SYN_MS: f64 = 0.5;
/// Refractory period (ms).
pub const T_REF_MS: f64 = 2.0;
/// Resting potential (mV).
pub const E_L_MV: f64 = -65.0;
/// Reset potential (mV).
pub const V_RESET_MV: f64 = -65.0;
/// Threshold (mV).
pub const V_TH_MV: f64 = -50.0;
/// NEST's transient before rates are measured (ms; `t_presim`).
pub const T_PRESIM_MS: f64 = 500.0;
/// NEST's measured stretch (ms; `t_sim`).
pub const T_SIM_MS: f64 = 1000.0;

/// How to build the microcircuit.
#[derive(Debug, Clone, PartialEq)]
pub struct MicrocircuitOptions {
    /// Factor on the neuron numbers (NEST's `N_scaling`); 1 is the full 77,169.
    pub scale: f64,
    /// Factor on the in-degrees (NEST's `K_scaling`), recurrent and external; below
    /// 1 the weights grow by `1/√k_scale` and a DC keeps the mean input.
    pub k_scale: f64,
    /// Seed of every random draw.
    pub seed: u64,
    /// Poisson background input (NEST's default); `false`: the equivalent DC.
    pub poisson_input: bool,
    /// Integration step (ms; NEST's example uses 0.1).
    pub dt_ms: f64,
    /// Regenerate the recurrent synapses on the device instead of storing them
    /// (`Projection::procedural`).
    pub procedural: bool,
    /// Store the recurrent synapses but build them on the device, before the run
    /// (`Projection::built_on_device`): the procedural rows, stored.
    pub built_on_device: bool,
}

impl Default for MicrocircuitOptions {
    /// NEST's example defaults: `N_scaling = K_scaling = 0.1`, Poisson input,
    /// dt = 0.1 ms; seed 55 (its `rng_seed`), stored synapses.
    fn default() -> Self {
        Self {
            scale: 0.1,
            k_scale: 0.1,
            seed: 55,
            poisson_input: true,
            dt_ms: 0.1,
            procedural: false,
            built_on_device: false,
        }
    }
}

/// The derived parameters of one scaling, in NEST's units (pA, Hz), as
/// `network.py`'s `__derive_parameters` computes them.
#[derive(Debug, Clone, PartialEq)]
pub struct MicrocircuitParameters {
    /// Neurons per population: `round(N_full · scale)`.
    pub num_neurons: [u32; 8],
    /// Synapses per projection at full scale, unrounded (`[target][source]`).
    pub full_num_synapses: [[f64; 8]; 8],
    /// Synapses per projection: `round(full · scale · k_scale)` (`[target][source]`).
    pub num_synapses: [[u64; 8]; 8],
    /// External in-degree per population: `round(K_ext · k_scale)`.
    pub ext_indegrees: [u32; 8],
    /// Mean recurrent weight (pA; `[target][source]`), after in-degree scaling.
    pub weight_mean_pa: [[f64; 8]; 8],
    /// Weight of the external input (pA), after in-degree scaling.
    pub weight_ext_pa: f64,
    /// DC per population (pA): the Poisson replacement and/or the in-degree scaling's
    /// compensation; 0 with Poisson input at `k_scale = 1`.
    pub dc_pa: [f64; 8],
}

impl MicrocircuitParameters {
    /// Neurons in all populations.
    pub fn total_neurons(&self) -> u64 {
        self.num_neurons.iter().map(|&n| u64::from(n)).sum()
    }

    /// Recurrent synapses in all projections.
    pub fn total_synapses(&self) -> u64 {
        self.num_synapses.iter().flatten().sum()
    }
}

/// The factor (pA/mV) that turns the peak of a postsynaptic potential into the
/// amplitude of the exponential current causing it, for membrane capacitance `c_m_pf`
/// (pF), time constants `tau_m_ms` and `tau_syn_ms` (helpers.py
/// `postsynaptic_potential_to_current`):
///
/// ```text
/// sub = 1/(τ_syn − τ_m),  pre = τ_m τ_syn / C_m · sub,  frac = (τ_m/τ_syn)^sub
/// PSC/PSP = 1 / (pre · (frac^τ_m − frac^τ_syn))
/// ```
pub fn psc_over_psp(c_m_pf: f64, tau_m_ms: f64, tau_syn_ms: f64) -> f64 {
    let sub = 1.0 / (tau_syn_ms - tau_m_ms);
    let pre = tau_m_ms * tau_syn_ms / c_m_pf * sub;
    let frac = (tau_m_ms / tau_syn_ms).powf(sub);
    1.0 / (pre * (frac.powf(tau_m_ms) - frac.powf(tau_syn_ms)))
}

/// Total synapses per projection at full scale (`[target][source]`, unrounded):
/// `ln(1 − p) / ln((N_i N_j − 1)/(N_i N_j))`.
pub fn full_num_synapses() -> [[f64; 8]; 8] {
    let mut k = [[0.0; 8]; 8];
    for (i, row) in k.iter_mut().enumerate() {
        for (j, k_ij) in row.iter_mut().enumerate() {
            let prod = f64::from(FULL_NUM_NEURONS[i]) * f64::from(FULL_NUM_NEURONS[j]);
            *k_ij = (1.0 - CONN_PROBS[i][j]).ln() / ((prod - 1.0) / prod).ln();
        }
    }
    k
}

/// Whether population `j` (in [`POPULATIONS`] order) is excitatory.
fn excitatory(j: usize) -> bool {
    j.is_multiple_of(2)
}

fn check(field: &str, value: f64, ok: bool, requirement: &str) -> Result<(), ModelError> {
    if ok {
        Ok(())
    } else {
        Err(ModelError::InvalidParameter {
            field: field.into(),
            value,
            requirement: requirement.into(),
        })
    }
}

/// The derived parameters for `options` (see the module documentation).
pub fn parameters(options: &MicrocircuitOptions) -> Result<MicrocircuitParameters, ModelError> {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    check(
        "scale",
        options.scale,
        positive(options.scale),
        "must be a positive number",
    )?;
    check(
        "k_scale",
        options.k_scale,
        positive(options.k_scale),
        "must be a positive number",
    )?;
    check(
        "dt_ms",
        options.dt_ms,
        positive(options.dt_ms),
        "must be a positive number",
    )?;

    let mut num_neurons = [0u32; 8];
    for (j, n) in num_neurons.iter_mut().enumerate() {
        let x = (f64::from(FULL_NUM_NEURONS[j]) * options.scale).round_ties_even();
        check(
            "scale",
            options.scale,
            x >= 1.0 && x <= f64::from(u32::MAX),
            &format!(
                "gives {x} neurons in {}; every population needs 1 ..= 2^32 − 1",
                POPULATIONS[j]
            ),
        )?;
        *n = x as u32;
    }
    let full = full_num_synapses();
    let mut num_synapses = [[0u64; 8]; 8];
    for (i, row) in num_synapses.iter_mut().enumerate() {
        for (j, n) in row.iter_mut().enumerate() {
            *n = (full[i][j] * options.scale * options.k_scale).round_ties_even() as u64;
        }
    }
    let ext_indegrees = K_EXT.map(|k| (f64::from(k) * options.k_scale).round_ties_even() as u32);

    let psc_over_psp = psc_over_psp(C_M_PF, TAU_M_MS, TAU_SYN_MS);
    let mut weight_mean_pa = [[0.0; 8]; 8];
    for (i, row) in weight_mean_pa.iter_mut().enumerate() {
        for (j, w) in row.iter_mut().enumerate() {
            let psp = match (i, j) {
                (0, 2) => 2.0 * PSP_EXC_MEAN_MV,
                _ if excitatory(j) => PSP_EXC_MEAN_MV,
                _ => PSP_EXC_MEAN_MV * G,
            };
            *w = psp * psc_over_psp;
        }
    }
    let mut weight_ext_pa = PSP_EXC_MEAN_MV * psc_over_psp;
    let mut dc_pa = if options.poisson_input {
        [0.0; 8]
    } else {
        K_EXT.map(|k| BG_RATE_HZ * f64::from(k) * weight_ext_pa * TAU_SYN_MS * 0.001)
    };

    if options.k_scale != 1.0 {
        let sqrt_k = options.k_scale.sqrt();
        for i in 0..8 {
            let input_rec: f64 = (0..8)
                .map(|j| {
                    let indegree = full[i][j] / f64::from(FULL_NUM_NEURONS[i]);
                    weight_mean_pa[i][j] * indegree * PUBLISHED_RATES_HZ[j]
                })
                .sum();
            dc_pa[i] += 0.001 * TAU_SYN_MS * (1.0 - sqrt_k) * input_rec;
            if options.poisson_input {
                let input_ext = weight_ext_pa * f64::from(K_EXT[i]) * BG_RATE_HZ;
                dc_pa[i] += 0.001 * TAU_SYN_MS * (1.0 - sqrt_k) * input_ext;
            }
        }
        for w in weight_mean_pa.iter_mut().flatten() {
            *w /= sqrt_k;
        }
        weight_ext_pa /= sqrt_k;
    }

    Ok(MicrocircuitParameters {
        num_neurons,
        full_num_synapses: full,
        num_synapses,
        ext_indegrees,
        weight_mean_pa,
        weight_ext_pa,
        dc_pa,
    })
}

/// The microcircuit for `options`: eight `iaf_psc_exp` populations named as in
/// [`POPULATIONS`], one `fixed_total_number` projection per source–target pair with
/// synapses, Poisson input (or its DC equivalent, in `i_offset`) and spike recorders
/// on every population. Units as neurodyn takes them: nA, nF, ms, mV.
pub fn network(options: &MicrocircuitOptions) -> Result<Network, ModelError> {
    let params = parameters(options)?;
    let mut network = Network::new(options.dt_ms, options.seed);

    for (j, &name) in POPULATIONS.iter().enumerate() {
        let neuron = NeuronModel::IafPscExp(IafPscExp {
            cm: C_M_PF * 1e-3,
            tau_m: TAU_M_MS,
            tau_syn_e: TAU_SYN_MS,
            tau_syn_i: TAU_SYN_MS,
            tau_refrac: T_REF_MS,
            v_rest: E_L_MV,
            v_reset: V_RESET_MV,
            v_thresh: V_TH_MV,
            i_offset: params.dc_pa[j] * 1e-3,
        });
        network.add_population(
            Population::new(name, params.num_neurons[j], neuron)
                .with_initial_v(Value::normal(V0_MEAN_MV[j], V0_SD_MV[j])),
        );
    }

    for (i, &target) in POPULATIONS.iter().enumerate() {
        for (j, &source) in POPULATIONS.iter().enumerate() {
            let n = params.num_synapses[i][j];
            if n == 0 {
                continue;
            }
            let mean_na = params.weight_mean_pa[i][j] * 1e-3;
            let sd_na = (mean_na * WEIGHT_REL_SD).abs();
            let (weight, receptor) = if excitatory(j) {
                (
                    Value::normal_clipped(mean_na, sd_na, 0.0, f64::INFINITY),
                    Receptor::Excitatory,
                )
            } else {
                (
                    Value::normal_clipped(mean_na, sd_na, f64::NEG_INFINITY, 0.0),
                    Receptor::Inhibitory,
                )
            };
            let delay_mean = if excitatory(j) {
                DELAY_EXC_MEAN_MS
            } else {
                DELAY_INH_MEAN_MS
            };
            let delay = Value::normal_clipped(
                delay_mean,
                delay_mean * DELAY_REL_SD,
                0.5 * options.dt_ms,
                f64::INFINITY,
            );
            let mut projection = Projection::new(
                source,
                target,
                Connectivity::FixedTotalNumber {
                    n,
                    allow_autapses: true,
                    allow_multapses: true,
                },
                weight,
                delay,
                receptor,
            );
            projection.procedural = options.procedural;
            projection.built_on_device = options.built_on_device;
            network.add_projection(projection);
        }
    }

    if options.poisson_input {
        for (i, &target) in POPULATIONS.iter().enumerate() {
            network.add_stimulus(Stimulus::Poisson {
                target: target.into(),
                rate_hz: BG_RATE_HZ * f64::from(params.ext_indegrees[i]),
                weight: params.weight_ext_pa * 1e-3,
                receptor: Receptor::Excitatory,
                start_ms: 0.0,
                stop_ms: None,
            });
        }
    }

    for name in POPULATIONS {
        network.record_spikes(name);
    }
    Ok(network)
}
