// High 32 bits of the 64-bit product a * b, in one 64-bit multiply: for devices with
// SHADER_INT64 (in place of common/mul_hi.wgsl, whose result it equals exactly).
fn mul_hi(a: u32, b: u32) -> u32 {
    return u32((u64(a) * u64(b)) >> 32u);
}
