//! Poisson input from the counter RNG, the twin of `shaders/common/poisson.wgsl`.

use super::fixed_point::saturating_add_times;
use super::rng::philox4x32_10;
use crate::plan::layout::StimulusParams;

/// Stream of stimulus `s`: `STREAM_STIMULUS + s`.
pub const STREAM_STIMULUS: u32 = 0x5300_0000;

/// Adds this step's events of one Poisson stimulus to `acc` (see the shader): per
/// chunk, the number of CDF thresholds at or below a uniform's top 24 bits.
/// Returns the new input and whether it saturated.
pub fn poisson_events(
    stim: &StimulusParams,
    acc_in: i32,
    key: [u32; 2],
    index: u32,
    step: u32,
    stream: u32,
) -> (i32, bool) {
    let mut events = 0;
    let mut bits = [0u32; 4];
    for chunk in 0..stim.chunks {
        let lane = (chunk & 3) as usize;
        if lane == 0 {
            bits = philox4x32_10([index, step, stream, chunk >> 2], key);
        }
        let u = bits[lane] >> 8;
        events += stim.cdf.iter().take_while(|&&t| t <= u).count() as u32;
    }
    saturating_add_times(acc_in, stim.weight_fixed, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    /// Counts drawn for many (neuron, step) counters have the Poisson mean and variance.
    #[test]
    fn counts_have_poisson_statistics() {
        for lambda in [0.05f64, 0.8, 2.0, 11.0, 40.0] {
            let chunks = (lambda / crate::plan::POISSON_CHUNK_MEAN).ceil();
            let stim = StimulusParams {
                chunks: chunks as u32,
                cdf: crate::plan::poisson::thresholds(lambda / chunks),
                weight_fixed: 1,
                ..StimulusParams::zeroed()
            };
            let n = 200_000u32;
            let counts: Vec<f64> = (0..n)
                .map(|i| {
                    f64::from(
                        poisson_events(&stim, 0, [7, 9], i % 1000, i / 1000, STREAM_STIMULUS).0,
                    )
                })
                .collect();
            let mean = counts.iter().sum::<f64>() / f64::from(n);
            let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / f64::from(n - 1);
            let se_mean = (lambda / f64::from(n)).sqrt();
            // Var of the sample variance of a Poisson: (λ + 2λ²)/n (fourth cumulant λ).
            let se_var = ((lambda + 2.0 * lambda * lambda) / f64::from(n)).sqrt();
            assert!(
                (mean - lambda).abs() < 4.0 * se_mean,
                "λ = {lambda}: mean {mean}"
            );
            assert!(
                (var - lambda).abs() < 4.0 * se_var,
                "λ = {lambda}: variance {var}"
            );
        }
    }

    #[test]
    fn each_event_adds_the_weight_and_saturates_at_the_range() {
        let stim = StimulusParams {
            chunks: 1,
            cdf: crate::plan::poisson::thresholds(3.0),
            weight_fixed: -5,
            ..StimulusParams::zeroed()
        };
        let (acc, saturated) = poisson_events(&stim, 100, [1, 2], 3, 4, STREAM_STIMULUS);
        assert!(!saturated);
        assert_eq!((100 - acc) % 5, 0);
        let (acc, saturated) = poisson_events(
            &StimulusParams {
                weight_fixed: i32::MIN / 2,
                chunks: 8,
                cdf: crate::plan::poisson::thresholds(4.0),
                ..stim
            },
            0,
            [1, 2],
            3,
            4,
            STREAM_STIMULUS,
        );
        assert!(saturated);
        assert_eq!(acc, i32::MIN);
    }
}
