//! Helpers shared by the integration tests.
#![allow(dead_code)]

use neurodyn::gpu::{run_kernel, AssembledShader, GpuContext, ShaderFile, COMMON};

/// Runs a test kernel (assembled after the common shader files) on the default
/// adapter; see `neurodyn::gpu::run_kernel`.
pub fn run_test_kernel(
    source: &'static str,
    input: &[u32],
    output_words: usize,
    invocations: u32,
) -> Vec<u32> {
    let file = ShaderFile::text("tests/kernel.wgsl", source);
    let shader = AssembledShader::new(COMMON.iter().cloned().chain([file]));
    let ctx = GpuContext::new(None).expect("a GPU adapter (lavapipe in CI)");
    run_kernel(&ctx, &shader, input, output_words, invocations).expect("kernel runs")
}
