//! Fixed-point synaptic input, the twin of `shaders/common/fixed_point.wgsl`.

use crate::plan::layout::Counters;

/// `acc + n · w`, held at the i32 range instead of wrapping, as `n` additions of `w`
/// each held there would end; the flag says it saturated. The shader's
/// `saturating_add_times` (closed form: the sum leaves the range exactly when `n`
/// exceeds the whole `w`s between `acc` and the bound `w` points to).
pub fn saturating_add_times(acc: i32, w: i32, n: u32) -> (i32, bool) {
    if n == 0 || w == 0 {
        return (acc, false);
    }
    let up = w > 0;
    let magnitude = w.unsigned_abs();
    let distance = if up {
        0x7fff_ffff_u32.wrapping_sub(acc as u32)
    } else {
        (acc as u32).wrapping_add(0x8000_0000)
    };
    if n > distance / magnitude {
        return (if up { i32::MAX } else { i32::MIN }, true);
    }
    (acc.wrapping_add((n as i32).wrapping_mul(w)), false)
}

/// `x` as f32 with one correctly rounded addition of two exact halves; the shader's
/// `fixed_to_float`.
pub fn fixed_to_float(x: i32) -> f32 {
    (x >> 12) as f32 * 4096.0 + (x & 0xFFF) as f32
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

/// Notes `count` updates of `neuron`, the first at `step`, that left a state variable
/// NaN or infinite; the shader's `report_nonfinite`.
pub fn report_nonfinite(counters: &mut Counters, step: u32, neuron: u32, count: u32) {
    counters.nonfinite_count += count;
    counters.nonfinite_first_step = counters.nonfinite_first_step.min(step);
    counters.nonfinite_min_neuron = counters.nonfinite_min_neuron.min(neuron);
}

#[cfg(test)]
mod tests {
    use super::fixed_to_float;

    #[test]
    fn fixed_to_float_rounds_to_nearest() {
        for x in [
            0,
            1,
            -1,
            4095,
            -4096,
            16_777_217,
            -16_777_219,
            i32::MAX,
            i32::MIN,
            1_000_000_007,
        ] {
            assert_eq!(fixed_to_float(x), x as f32, "{x}");
        }
    }
}
