//! Fixed-point synaptic input, the twin of `shaders/common/fixed_point.wgsl`.

use crate::plan::layout::Counters;

/// `acc + w`, held at the i32 range instead of wrapping; the flag says it saturated.
pub fn saturating_add(acc: i32, w: i32) -> (i32, bool) {
    let sum = acc.wrapping_add(w);
    if w > 0 && sum < acc {
        return (i32::MAX, true);
    }
    if w < 0 && sum > acc {
        return (i32::MIN, true);
    }
    (sum, false)
}

/// Whether `acc + w` (wrapping) overflowed, given the wrapped sum.
pub fn overflowed(acc: i32, w: i32, sum: i32) -> bool {
    (w > 0 && sum < acc) || (w < 0 && sum > acc)
}

/// Notes a saturated addition in the fault counters.
pub fn report_saturation(counters: &mut Counters, step: u32, target_index: u32) {
    counters.saturation_count += 1;
    counters.saturation_first_step = counters.saturation_first_step.min(step);
    counters.saturation_min_target = counters.saturation_min_target.min(target_index);
}
