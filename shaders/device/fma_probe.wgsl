// Finds out how this device rounds `fma`: WGSL lets fma(a, b, c) be computed with
// one rounding (fused, as NVIDIA does) or two (a * b rounded, then + c, as Mesa's
// lavapipe does). The host runs this once per device and the CPU reference rounds
// the same way, so both produce the same bits.
// input: a, b, c (as bits); output[0] = fma(a, b, c).

@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x != 0u) {
        return;
    }
    output[0] = bitcast<u32>(fma(bitcast<f32>(input[0]), bitcast<f32>(input[1]), bitcast<f32>(input[2])));
}
