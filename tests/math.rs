//! The device-independent math of `shaders/common/math.wgsl` gives the same bits on
//! the GPU as its Rust twin.

use neurodyn::cpu::math::det_exp;
use neurodyn::gpu::{run_kernel, AssembledShader, GpuContext, ShaderFile, MATH, ROUNDING};

const KERNEL: &str = "
struct TestInput {
    zero: u32,
    values: array<f32>,
}
// Named `config` because `rounded` reads `config.zero`.
@group(0) @binding(0) var<storage, read> config: TestInput;
@group(0) @binding(1) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
    let i = (wg.y * groups.x + wg.x) * 64u + local;
    if (i >= arrayLength(&output)) { return; }
    output[i] = bitcast<u32>(det_exp(config.values[i]));
}
";

#[test]
fn det_exp_agrees_with_its_twin_on_a_million_inputs() {
    let n = 1_000_000usize;
    // Spread over the whole clamped range and beyond, plus awkward points.
    let mut inputs: Vec<f32> = (0..n)
        .map(|k| -100.0 + 200.0 * k as f32 / n as f32)
        .collect();
    inputs[..8].copy_from_slice(&[
        0.0,
        -0.0,
        88.0,
        -87.0,
        1e-30,
        -1e-30,
        0.346_573_6,
        -0.346_573_6,
    ]);
    let mut words = vec![0u32];
    words.extend(inputs.iter().map(|x| x.to_bits()));
    let shader = AssembledShader::new([
        ROUNDING,
        MATH,
        ShaderFile::text("tests/math_kernel.wgsl", KERNEL),
    ]);
    let ctx = GpuContext::new(None).expect("an adapter");
    let out = run_kernel(&ctx, &shader, &words, n, n as u32).expect("kernel runs");
    for (k, (&x, &bits)) in inputs.iter().zip(&out).enumerate() {
        assert_eq!(bits, det_exp(x).to_bits(), "input {k}: exp({x})");
    }
}
