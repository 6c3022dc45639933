// High 32 bits of the 64-bit product a * b, from 16-bit halves: for devices without
// 64-bit integers (WebGPU's core has none). Exact; the GPU engine uses
// common/mul_hi_int64.wgsl instead where the device has SHADER_INT64.
fn mul_hi(a: u32, b: u32) -> u32 {
    let a_lo = a & 0xFFFFu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xFFFFu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    // Cannot overflow: lo_hi <= (2^16 - 1)^2 and the other two terms are < 2^16 each.
    let cross = (lo_lo >> 16u) + (hi_lo & 0xFFFFu) + lo_hi;
    return hi_hi + (hi_lo >> 16u) + (cross >> 16u);
}

