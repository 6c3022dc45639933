//! The table a Poisson stimulus is drawn from: its count per chunk by inversion.
//!
//! The device compares the top 24 bits `u` of a uniform word with thresholds
//! `T_j = round(2^24 · F(j))`, `F` the Poisson CDF of the chunk's mean, and counts the
//! thresholds at or below `u` (`shaders/common/poisson.wgsl`). So `P(count > j) =
//! (2^24 − T_j) / 2^24`: the exact tail `1 − F(j)` to within 2^−25. Computing `F` in
//! f64 on the host keeps the device to integer comparisons, which every device and
//! the CPU twin evaluate alike.

use super::layout::POISSON_TABLE;

/// 2^24: a threshold no 24-bit uniform reaches (ends the table).
pub const END: u32 = 1 << 24;

/// The thresholds of one chunk of mean `lambda` (at most `POISSON_CHUNK_MEAN`).
pub fn thresholds(lambda: f64) -> [u32; POISSON_TABLE] {
    let mut table = [END; POISSON_TABLE];
    let mut term = (-lambda).exp();
    let mut cdf = 0.0;
    for (j, t) in table.iter_mut().enumerate() {
        cdf += term;
        term *= lambda / (j + 1) as f64;
        *t = ((cdf * f64::from(END)).round() as u32).min(END);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::POISSON_CHUNK_MEAN;

    #[test]
    fn the_table_covers_the_largest_chunk_mean() {
        // Beyond the last entry the count could not go: the tail there is below 2^-25.
        let table = thresholds(POISSON_CHUNK_MEAN);
        assert_eq!(table[POISSON_TABLE - 1], END, "{table:?}");
        assert!(table.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn thresholds_are_the_cdf_in_units_of_two_to_the_minus_24() {
        let table = thresholds(2.0);
        let e = (-2.0f64).exp();
        assert_eq!(table[0], (e * 16_777_216.0).round() as u32);
        assert_eq!(table[1], (3.0 * e * 16_777_216.0).round() as u32);
        assert_eq!(table[2], (5.0 * e * 16_777_216.0).round() as u32);
        assert_eq!(thresholds(0.0), [END; POISSON_TABLE]);
    }
}
