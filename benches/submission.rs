//! The fixed cost of one round trip to the device, which bounds what a closed-loop
//! `run_until` call can cost beyond its steps: an empty submission and its wait, and
//! a small copy mapped back (what a one-step window's readback needs).
//!
//! `cargo bench --bench submission`

use criterion::{criterion_group, criterion_main, Criterion};
use neurodyn::gpu::GpuContext;

fn round_trip(c: &mut Criterion) {
    let ctx = GpuContext::new(None).expect("a device");
    let buffer = |usage| {
        ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: 256,
            usage,
            mapped_at_creation: false,
        })
    };
    let source = buffer(wgpu::BufferUsages::COPY_SRC);
    let staging = buffer(wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ);
    let mut group = c.benchmark_group("device_round_trip");
    group.bench_function("empty_submission_and_wait", |b| {
        b.iter(|| {
            let encoder = ctx.device.create_command_encoder(&Default::default());
            ctx.wait(ctx.queue.submit([encoder.finish()]))
                .expect("wait");
        })
    });
    group.bench_function("copy_256_bytes_and_map", |b| {
        b.iter(|| {
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            encoder.copy_buffer_to_buffer(&source, 0, &staging, 0, 256);
            let submission = ctx.queue.submit([encoder.finish()]);
            ctx.read_mapped(&staging, submission).expect("read")
        })
    });
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
