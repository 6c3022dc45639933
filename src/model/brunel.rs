//! Brunel (2000)'s network at any size and in any regime, from the form in
//! `models/brunel.toml` (NEST's brunel_delta_nest): N_E = 4·order, N_I = order, the
//! in-degrees C_E = 1000 and C_I = 250 kept (while there are enough neurons), the
//! inhibitory weight −g·J and the external Poisson rate η·ν_thr·C_E.

use super::{Connectivity, Network, Stimulus, SweepAxis, SweepGrid, Value};

/// J, C_E, τ_m and θ of the model file.
const J_MV: f64 = 0.1;
const C_E: f64 = 1000.0;
const TAU_M_MS: f64 = 20.0;
const THETA_MV: f64 = 20.0;

/// ν_ext = η ν_thr per synapse, ν_thr = θ / (J C_E τ_m), times C_E synapses (Hz).
const RATE_PER_ETA_HZ: f64 = THETA_MV / (J_MV * C_E * TAU_M_MS) * 1000.0 * C_E;

/// (g, η) of the paper's regimes A (synchronous regular), B (fast oscillation),
/// C (asynchronous irregular) and D (slow oscillation).
pub fn regime(name: &str) -> Option<(f64, f64)> {
    match name {
        "A" => Some((3.0, 2.0)),
        "B" => Some((6.0, 4.0)),
        "C" => Some((5.0, 2.0)),
        "D" => Some((4.5, 0.9)),
        _ => None,
    }
}

/// Resizes and retunes a network loaded from `models/brunel.toml` (populations `E`
/// and `I`). An order beyond `u32::MAX / 4` gives `E` the largest size, which the
/// validation then refuses with the limit.
pub fn configure(network: &mut Network, order: u32, g: f64, eta: f64) {
    let excitatory = order.saturating_mul(4);
    for p in &mut network.populations {
        p.size = if p.name == "E" { excitatory } else { order };
    }
    for projection in &mut network.projections {
        if projection.pre == "I" {
            projection.weight = Value::constant(-g * J_MV);
        }
        if let Connectivity::FixedInDegree { k, .. } = &mut projection.connectivity {
            *k = (*k).min(if projection.pre == "E" {
                excitatory
            } else {
                order
            });
        }
    }
    let rate_hz = eta * RATE_PER_ETA_HZ;
    for stimulus in &mut network.stimuli {
        if let Stimulus::Poisson { rate_hz: r, .. } = stimulus {
            *r = rate_hz;
        }
    }
}

/// Makes every fixed-in-degree projection procedural: as fixed probability
/// p = k / n_pre with autapses and multapses excluded, so each in-degree is binomial
/// around k (mean k, variance k (1 − p)) instead of exactly k, and the synapses take
/// no memory. This is the form for networks too large to store (10^6 neurons and
/// 1.25·10^9 synapses); NEST's fixed_indegree cannot be regenerated per presynaptic
/// neuron (see `Projection::procedural`).
pub fn make_procedural(network: &mut Network) {
    let sizes: Vec<(String, u32)> = network
        .populations
        .iter()
        .map(|p| (p.name.clone(), p.size))
        .collect();
    for projection in &mut network.projections {
        if let Connectivity::FixedInDegree { k, .. } = projection.connectivity {
            let n_pre = sizes
                .iter()
                .find(|(name, _)| *name == projection.pre)
                .map_or(1, |(_, size)| *size);
            projection.connectivity = Connectivity::FixedProbability {
                p: f64::from(k) / f64::from(n_pre),
                allow_autapses: false,
            };
            projection.procedural = true;
        }
    }
}

/// The (g, η) plane of Brunel's phase diagram as a grid over a network from
/// `models/brunel.toml`: the `g` axis sets every inhibitory weight to −g·J, the `eta`
/// axis every Poisson rate to η·ν_thr·C_E; each point repeated `seeds` times.
pub fn phase_grid(network: &Network, g: Vec<f64>, eta: Vec<f64>, seeds: u32) -> SweepGrid {
    let inhibitory: Vec<(String, f64)> = (network.projections.iter().enumerate())
        .filter(|(_, p)| p.pre == "I")
        .map(|(k, _)| (format!("projections[{k}].weight"), -J_MV))
        .collect();
    let external: Vec<(String, f64)> = (network.stimuli.iter().enumerate())
        .filter(|(_, s)| matches!(s, Stimulus::Poisson { .. }))
        .map(|(k, _)| (format!("stimuli[{k}].rate_hz"), RATE_PER_ETA_HZ))
        .collect();
    let axis = |name: &str, values, scale: Vec<(String, f64)>| SweepAxis {
        scale: scale.into_iter().collect(),
        ..SweepAxis::scaled(name, values, &[])
    };
    SweepGrid {
        seeds,
        axes: vec![axis("g", g, inhibitory), axis("eta", eta, external)],
    }
}
