//! Twin of `shaders/common/rounding.wgsl`.

/// A value fixed in f32 before anything else uses it. Rust already rounds every
/// operation and never fuses or reorders float arithmetic; the shader needs an explicit
/// barrier against its compiler, so the twin names the same step.
#[inline]
pub fn rounded(x: f32) -> f32 {
    x
}
