//! Exact-integration propagators of linear dynamics, computed in f64 on the host
//! (Rotter & Diesmann 1999), rounded once to f32 for both backends.

use crate::model::IafPscExp;

/// The propagators of `iaf_psc_exp` over one step `h` (ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IafPscExpPropagators {
    /// Membrane decay: exp(−h/τm).
    pub p22: f64,
    /// Synaptic current decay: exp(−h/τs) per receptor.
    pub p11_ex: f64,
    pub p11_in: f64,
    /// Synaptic current → membrane (mV per nA).
    pub p21_ex: f64,
    pub p21_in: f64,
    /// Constant current → membrane (mV per nA): τm/C (1 − exp(−h/τm)).
    pub p20: f64,
}

impl IafPscExpPropagators {
    pub fn new(p: &IafPscExp, h: f64) -> Self {
        Self {
            p22: (-h / p.tau_m).exp(),
            p11_ex: (-h / p.tau_syn_e).exp(),
            p11_in: (-h / p.tau_syn_i).exp(),
            p21_ex: propagator_32(p.tau_syn_e, p.tau_m, p.cm, h),
            p21_in: propagator_32(p.tau_syn_i, p.tau_m, p.cm, h),
            p20: -p.tau_m / p.cm * (-h / p.tau_m).exp_m1(),
        }
    }
}

/// The response of the membrane after `h` to a unit synaptic current at the step's
/// start: τs τm / (C (τm − τs)) (e^{−h/τm} − e^{−h/τs}), written with expm1 so that it
/// stays accurate when τs ≈ τm, and its limit h/C e^{−h/τm} when they are equal or so
/// close that the difference form loses its precision (as NEST's `IAFPropagatorExp`).
pub fn propagator_32(tau_syn: f64, tau_m: f64, c_m: f64, h: f64) -> f64 {
    let singular = h / c_m * (-h / tau_m).exp();
    if tau_syn == tau_m {
        return singular;
    }
    let tau_factor = tau_syn * tau_m / (tau_m - tau_syn);
    let regular =
        tau_factor / c_m * (-h / tau_syn).exp() * (h * (1.0 / tau_syn - 1.0 / tau_m)).exp_m1();
    let linear = h * h * (tau_syn - tau_m) * (-h / tau_m).exp() / (2.0 * c_m * tau_m * tau_m);
    if (tau_m - tau_syn).abs() < 0.1 && (regular - singular).abs() > 2.0 * linear.abs() {
        singular
    } else {
        regular
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn propagator_32_is_continuous_across_the_singularity() {
        let at = propagator_32(10.0, 10.0, 1.0, 0.1);
        let near = propagator_32(10.0 + 1e-9, 10.0, 1.0, 0.1);
        assert!((at - near).abs() / at < 1e-6, "{at} vs {near}");
    }

    #[test]
    fn propagator_32_matches_the_difference_form() {
        let (ts, tm, c, h): (f64, f64, f64, f64) = (5.0, 20.0, 0.25, 0.1);
        let direct = ts * tm / (c * (tm - ts)) * ((-h / tm).exp() - (-h / ts).exp());
        assert!((propagator_32(ts, tm, c, h) - direct).abs() / direct < 1e-12);
    }
}
