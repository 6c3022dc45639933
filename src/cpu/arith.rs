//! Floating-point operations whose rounding varies between devices.

use serde::{Deserialize, Serialize};

/// How `fma(a, b, c)` rounds. WGSL allows either; NVIDIA's drivers fuse (one
/// rounding), Mesa's lavapipe computes `a * b` and `+ c` with a rounding each. The GPU
/// backend measures its device once (`GpuContext::fma_rounding`); the CPU reference
/// rounds as told, so it can reproduce any device bit for bit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FmaRounding {
    /// One rounding of the exact `a * b + c` (`f32::mul_add`).
    Fused,
    /// `a * b` rounded, then `+ c` rounded.
    #[default]
    Separate,
}

/// The shader's `fma(a, b, c)` with the device's rounding.
#[inline]
pub fn fma(rounding: FmaRounding, a: f32, b: f32, c: f32) -> f32 {
    match rounding {
        FmaRounding::Fused => a.mul_add(b, c),
        FmaRounding::Separate => a * b + c,
    }
}
