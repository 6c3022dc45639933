//! The device-independent math of `shaders/common/math.wgsl` gives the same bits on
//! the GPU as its Rust twin.

use neurodyn::cpu::math::{det_cos_2pi, det_exp, det_log, det_sqrt};
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
    output[i] = bitcast<u32>(FUNCTION(config.values[i]));
}
";

/// Runs `function` of math.wgsl on every input and requires the twin's bits.
fn agrees_with_twin(function: &str, inputs: &[f32], twin: fn(f32) -> f32) {
    let n = inputs.len();
    let mut words = vec![0u32];
    words.extend(inputs.iter().map(|x| x.to_bits()));
    let kernel = KERNEL.replace("FUNCTION", function);
    let shader = AssembledShader::new([
        ROUNDING,
        MATH,
        ShaderFile::text("tests/math_kernel.wgsl", kernel),
    ]);
    let ctx = GpuContext::new(None).expect("an adapter");
    let out = run_kernel(&ctx, &shader, &words, n, n as u32).expect("kernel runs");
    for (k, (&x, &bits)) in inputs.iter().zip(&out).enumerate() {
        assert_eq!(bits, twin(x).to_bits(), "input {k}: {function}({x})");
    }
}

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
    agrees_with_twin("det_exp", &inputs, det_exp);
}

#[test]
fn det_log_and_det_sqrt_agree_with_their_twins_on_the_uniform_draws() {
    // Every value `uniform_open_closed` can return is k / 2^24: the inputs of the
    // procedural draws. Half a million of them, spread over the range, plus the ends.
    let mut inputs: Vec<f32> = (0..500_000u32)
        .map(|k| ((k * 33 + 1) as f32) / 16_777_216.0)
        .collect();
    inputs.extend([
        1.0,
        0.5,
        1.0 / 16_777_216.0,
        std::f32::consts::FRAC_1_SQRT_2,
        std::f32::consts::SQRT_2,
    ]);
    agrees_with_twin("det_log", &inputs, det_log);
    let squares: Vec<f32> = inputs.iter().map(|u| -2.0 * det_log(*u)).collect();
    agrees_with_twin("det_sqrt", &squares, det_sqrt);
}

#[test]
fn det_cos_2pi_agrees_with_its_twin_over_the_period() {
    let mut inputs: Vec<f32> = (0..(1u32 << 19))
        .map(|k| k as f32 / (1u32 << 19) as f32)
        .collect();
    inputs.extend([1.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875]);
    agrees_with_twin("det_cos_2pi", &inputs, det_cos_2pi);
}
