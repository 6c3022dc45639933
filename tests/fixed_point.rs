//! The fixed-point helpers of `shaders/common/fixed_point.wgsl` give the same results
//! on the GPU as their Rust twins, and the closed form of held additions ends as the
//! additions one by one would.

use neurodyn::cpu::fixed_point::saturating_add_times;
use neurodyn::gpu::{run_kernel, AssembledShader, GpuContext, ShaderFile, FIXED_POINT};

const KERNEL: &str = "
@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
    let i = (wg.y * groups.x + wg.x) * 64u + local;
    if (2u * i + 1u >= arrayLength(&output) || 3u * i + 2u >= arrayLength(&input)) { return; }
    let r = saturating_add_times(bitcast<i32>(input[3u * i]), bitcast<i32>(input[3u * i + 1u]), input[3u * i + 2u]);
    output[2u * i] = bitcast<u32>(r.x);
    output[2u * i + 1u] = bitcast<u32>(r.y);
}
";

#[test]
fn saturating_add_times_agrees_with_its_twin() {
    // Every pair of awkward values with small counts, then pseudo-random triples
    // (a 64-bit LCG) with counts up to 400 (20 thresholds × 20 chunks).
    let values = [
        i32::MIN,
        i32::MIN + 1,
        -1_000_000_007,
        -4096,
        -1,
        0,
        1,
        4096,
        999_999_937,
        i32::MAX - 1,
        i32::MAX,
    ];
    let mut triples = Vec::new();
    for &acc in &values {
        for &w in &values {
            for n in [0u32, 1, 2, 3, 400, u32::MAX] {
                triples.push((acc, w, n));
            }
        }
    }
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 32) as u32
    };
    for _ in 0..100_000 {
        let (acc, w) = (next() as i32, (next() as i32) >> (next() % 31));
        triples.push((acc, w, next() % 401));
    }
    let input: Vec<u32> = triples
        .iter()
        .flat_map(|&(acc, w, n)| [acc as u32, w as u32, n])
        .collect();
    let shader = AssembledShader::new([
        FIXED_POINT,
        ShaderFile::text("tests/fixed_point_kernel.wgsl", KERNEL),
    ]);
    let ctx = GpuContext::new(None).expect("an adapter");
    let n = triples.len();
    let out = run_kernel(&ctx, &shader, &input, 2 * n, n as u32).expect("kernel runs");
    for (k, &(acc, w, count)) in triples.iter().enumerate() {
        let (sum, saturated) = saturating_add_times(acc, w, count);
        assert_eq!(
            (out[2 * k] as i32, out[2 * k + 1] != 0),
            (sum, saturated),
            "{acc} + {count} · {w}"
        );
        if count <= 400 {
            assert_eq!(
                (sum, saturated),
                held_additions(acc, w, count),
                "{acc} + {count} · {w}"
            );
        }
    }
}

/// `n` additions of `w`, each held at the i32 range: what the closed form replaces.
fn held_additions(acc: i32, w: i32, n: u32) -> (i32, bool) {
    let mut sum = acc;
    let mut saturated = false;
    for _ in 0..n {
        sum = sum.checked_add(w).unwrap_or_else(|| {
            saturated = true;
            if w > 0 {
                i32::MAX
            } else {
                i32::MIN
            }
        });
    }
    (sum, saturated)
}
