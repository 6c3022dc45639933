//! The WGSL and Rust twins of the random number generator and the Poisson draw
//! produce the same bits.

mod common;

use neurodyn::cpu::rng::{philox4x32_10, uniform_open_closed};

const PHILOX_KERNEL: &str = "
@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
    let i = (wg.y * groups.x + wg.x) * 64u + local;
    if (i >= input[2]) { return; }
    let key = vec2<u32>(input[0], input[1]);
    let r = philox4x32_10(vec4<u32>(i, i * 7919u, 0x53000000u + (i % 5u), i >> 3u), key);
    output[4u * i] = r.x;
    output[4u * i + 1u] = r.y;
    output[4u * i + 2u] = r.z;
    output[4u * i + 3u] = bitcast<u32>(uniform_open_closed(r.w));
}
";

#[test]
fn wgsl_and_rust_philox_agree_on_a_million_draws() {
    let key = [0xDEAD_BEEF, 0x0123_4567];
    let n = 250_000u32;
    let gpu = common::run_test_kernel(PHILOX_KERNEL, &[key[0], key[1], n], 4 * n as usize, n);
    for i in 0..n {
        let r = philox4x32_10(
            [i, i.wrapping_mul(7919), 0x5300_0000 + (i % 5), i >> 3],
            key,
        );
        let at = 4 * i as usize;
        assert_eq!(&gpu[at..at + 3], &r[..3], "draw {i}");
        assert_eq!(
            gpu[at + 3],
            uniform_open_closed(r[3]).to_bits(),
            "uniform {i}"
        );
    }
}

#[test]
fn the_64_bit_multiply_gives_the_same_philox_bits_where_the_device_has_it() {
    use neurodyn::gpu::{
        run_kernel, AssembledShader, GpuContext, ShaderFile, COMMON, MUL_HI_INT64, RNG,
    };
    let ctx = GpuContext::new(None).expect("an adapter");
    if !ctx.device.features().contains(wgpu::Features::SHADER_INT64) {
        eprintln!("this adapter has no SHADER_INT64: the 32-bit form is the one in use");
        return;
    }
    let key = [0x0BAD_CAFE, 0x7654_3210];
    let n = 100_000u32;
    let shader = AssembledShader::new([
        COMMON[0].clone(),
        MUL_HI_INT64,
        RNG,
        COMMON[3].clone(),
        ShaderFile::text("tests/kernel.wgsl", PHILOX_KERNEL),
    ]);
    let gpu = run_kernel(&ctx, &shader, &[key[0], key[1], n], 4 * n as usize, n).unwrap();
    for i in 0..n {
        let r = philox4x32_10(
            [i, i.wrapping_mul(7919), 0x5300_0000 + (i % 5), i >> 3],
            key,
        );
        assert_eq!(
            &gpu[4 * i as usize..4 * i as usize + 3],
            &r[..3],
            "draw {i}"
        );
    }
}
