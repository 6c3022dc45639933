//! What shader constructs cost on the device, one dispatch of 12,500 invocations
//! (Brunel's network size) in workgroups of 64, each a few loads and a store:
//!
//! - `plain`: the store alone;
//! - `private_array_dynamic`: a private `array<f32, 8>` written and read in loops
//!   whose bound is a uniform (so the compiler cannot unroll them);
//! - `private_array_constant`: the same loops with a constant bound;
//! - `private_array_unreached`: the array declared behind a branch no invocation takes;
//! - `vector_dynamic`: a `vec4<f32>` indexed by a uniform;
//! - `untaken_loop`: a loop of 40 multiply-adds behind a branch no invocation takes;
//! - `untaken_branch`: straight-line loads, stores and divisions behind such a branch;
//! - `storage_divergent_8`: eight loads from a storage buffer, each invocation at its
//!   own index; `storage_uniform_8`: the same at one index for all (after the
//!   out-of-range invocations have returned); `storage_uniform_8_top`: before they do;
//! - `uniform_divergent_8`, `uniform_uniform_8`: eight uniform-buffer loads at an
//!   index of each invocation's own, and at one index for all;
//! - `storage_divergent_vec4_2`: the eight words of `storage_divergent_8` in two
//!   `vec4` loads;
//! - `plain_top`: the store with no early return (guarded by a branch instead);
//! - `texture_divergent_8`: eight `textureLoad`s from an `r32uint` texture;
//! - `workgroup_divergent_8`: eight loads from workgroup memory;
//! - `storage_divergent_vec2_4`: four `vec2` storage loads;
//! - `storage_store_8`, `storage_store_vec4_2`: eight scalar stores, two `vec4` stores;
//! - `update_soa`: a neuron update's accesses with the state as structure of arrays
//!   (the clock's atomic, two ring words read and cleared, four state words read and
//!   written); `update_aos`: the same words as one `vec2` ring access and one `vec4`
//!   state access each way, the clock from a uniform;
//! - `storage_masked_8`: `storage_divergent_8` with its indices masked instead of
//!   reduced modulo the length; `modulo_8`: the eight modulos alone.
//!
//! On lavapipe (Mesa's CPU driver) the private array indexed by a non-constant lives
//! in per-lane scratch memory and branches run under a mask, which is why the neuron
//! update keeps receptor inputs in vectors and compiles untaken paths out
//! (src/gpu/features.rs). Mesa 22.3's lavapipe turns each storage access into a loop
//! over the SIMD lanes (a mask test and a bounds test per lane), a uniform-buffer read
//! into a gather: hence the neuron update's tables in uniform buffers
//! (src/gpu/uniform_tables.rs). The per-lane loop costs about 1 ns per access and
//! invocation on this machine's host; a 32-bit modulo by a non-constant, scalarised
//! per lane, about as much again (so `storage_divergent_8` overstates the loads).
//! `cargo bench --bench shader_costs`; `LP_NUM_THREADS=1` removes lavapipe's thread
//! hand-off from the figures.

use criterion::{criterion_group, criterion_main, Criterion};
use neurodyn::gpu::GpuContext;
use wgpu::util::DeviceExt;

const INVOCATIONS: u32 = 12_500;
const WORKGROUP: u32 = 64;
/// Dispatches recorded into one compute pass per measured iteration.
const DISPATCHES: u32 = 100;

const VARIANTS: [(&str, &str); 23] = [
    ("plain", "out[i] = i;"),
    (
        "private_array_dynamic",
        "var a: array<f32, 8>;
         for (var k = 0u; k < n.y; k++) { a[k] = f32(i + k); }
         var t = 0.0;
         for (var k = 0u; k < n.y; k++) { t += a[k]; }
         out[i] = u32(t);",
    ),
    (
        "private_array_constant",
        "var a: array<f32, 8>;
         for (var k = 0u; k < 8u; k++) { a[k] = f32(i + k); }
         var t = 0.0;
         for (var k = 0u; k < 8u; k++) { t += a[k]; }
         out[i] = u32(t);",
    ),
    (
        "private_array_unreached",
        "if (n.z == 0u) { out[i] = i; return; }
         var a: array<f32, 8>;
         for (var k = 0u; k < n.y; k++) { a[k] = f32(i + k); }
         var t = 0.0;
         for (var k = 0u; k < n.y; k++) { t += a[k]; }
         out[i] = u32(t);",
    ),
    (
        "vector_dynamic",
        "var a = vec4<f32>(f32(i), f32(i + 1u), f32(i + 2u), f32(i + 3u));
         a[n.y & 3u] = 0.5;
         out[i] = u32(a[(n.y + 1u) & 3u]);",
    ),
    (
        "untaken_loop",
        "var x = f32(i);
         if (n.z == 1u) { for (var k = 0u; k < 40u; k++) { x = x * 1.0001 + 0.5; } }
         out[i] = u32(x);",
    ),
    (
        "untaken_branch",
        "out[i] = i;
         if (n.z == 1u) {
             let a = out[(i * 7u) % n.x] + out[(i * 13u) % n.x];
             out[(i * 3u) % n.x] = a * 5u + out[(i * 11u) % n.x];
             out[(i * 17u) % n.x] = a + out[(i * 19u) % n.x];
         }",
    ),
    (
        "storage_divergent_8",
"let t = src[(i * 8u + 0u) % n.x] + src[(i * 8u + 1u) % n.x] + src[(i * 8u + 2u) % n.x] + src[(i * 8u + 3u) % n.x] + src[(i * 8u + 4u) % n.x] + src[(i * 8u + 5u) % n.x] + src[(i * 8u + 6u) % n.x] + src[(i * 8u + 7u) % n.x];
         out[i] = t;",
    ),
    (
        "storage_uniform_8",
"let t = src[n.y + 0u] + src[n.y + 1u] + src[n.y + 2u] + src[n.y + 3u] + src[n.y + 4u] + src[n.y + 5u] + src[n.y + 6u] + src[n.y + 7u];
         out[i] = t;",
    ),
    (
        "storage_uniform_8_top",
"UNGUARDED let t = src[n.y + 0u] + src[n.y + 1u] + src[n.y + 2u] + src[n.y + 3u] + src[n.y + 4u] + src[n.y + 5u] + src[n.y + 6u] + src[n.y + 7u];
         if (i >= n.x) { return; }
         out[i] = t;",
    ),
    (
        "uniform_divergent_8",
"let t = table[(i + 0u) & 63u].x + table[(i + 1u) & 63u].x + table[(i + 2u) & 63u].x + table[(i + 3u) & 63u].x + table[(i + 4u) & 63u].x + table[(i + 5u) & 63u].x + table[(i + 6u) & 63u].x + table[(i + 7u) & 63u].x;
         out[i] = t;",
    ),
    (
        "uniform_uniform_8",
        "let t = table[n.y + 0u].x + table[n.y + 1u].x + table[n.y + 2u].x + table[n.y + 3u].x + table[n.y + 4u].x + table[n.y + 5u].x + table[n.y + 6u].x + table[n.y + 7u].x;
         out[i] = t;",
    ),
    (
        "storage_divergent_vec4_2",
        "let a = src4[(i * 2u) % (n.x / 4u)];
         let b = src4[(i * 2u + 1u) % (n.x / 4u)];
         let v = a + b;
         out[i] = v.x + v.y + v.z + v.w;",
    ),
    (
        "texture_divergent_8",
"let t = tx(i * 8u + 0u) + tx(i * 8u + 1u) + tx(i * 8u + 2u) + tx(i * 8u + 3u) + tx(i * 8u + 4u) + tx(i * 8u + 5u) + tx(i * 8u + 6u) + tx(i * 8u + 7u);
         out[i] = t;",
    ),
    (
        "workgroup_divergent_8",
"let t = w[(i * 8u + 0u) & 63u] + w[(i * 8u + 1u) & 63u] + w[(i * 8u + 2u) & 63u] + w[(i * 8u + 3u) & 63u] + w[(i * 8u + 4u) & 63u] + w[(i * 8u + 5u) & 63u] + w[(i * 8u + 6u) & 63u] + w[(i * 8u + 7u) & 63u];
         out[i] = t;",
    ),
    (
        "storage_divergent_vec2_4",
        "let a = src2[(i * 4u) % (n.x / 2u)] + src2[(i * 4u + 1u) % (n.x / 2u)] + src2[(i * 4u + 2u) % (n.x / 2u)] + src2[(i * 4u + 3u) % (n.x / 2u)];
         out[i] = a.x + a.y;",
    ),
    (
        "storage_store_8",
        "for (var k = 0u; k < 8u; k++) { out[(i * 8u + k) % n.x] = i; }",
    ),
    (
        "storage_store_vec4_2",
        "out4[(i * 2u) % (n.x / 4u)] = vec4<u32>(i); out4[(i * 2u + 1u) % (n.x / 4u)] = vec4<u32>(i);",
    ),
    (
        "update_soa",
        "let at = i;
         let step = atomicLoad(&a[0]);
         let r0 = out4_words(at); let r1 = out4_words(at + n.x);
         out4_set(at, 0u); out4_set(at + n.x, 0u);
         let v = rw[at]; let x = rw[at + n.x]; let y = rw[at + 2u * n.x]; let r = rw[at + 3u * n.x];
         rw[at] = v + r0 + step; rw[at + n.x] = x + r1; rw[at + 2u * n.x] = y + 1u; rw[at + 3u * n.x] = r + 1u;
         out[i] = v;",
    ),
    (
        "update_aos",
        "let step = n.w;
         let r = ring2[i]; ring2[i] = vec2<u32>(0u);
         let s = rw4[i];
         rw4[i] = s + vec4<u32>(r.x + step, r.y, 1u, 1u);
         out[i] = s.x;",
    ),
    (
        "storage_masked_8",
"let t = src[(i * 8u + 0u) & 8191u] + src[(i * 8u + 1u) & 8191u] + src[(i * 8u + 2u) & 8191u] + src[(i * 8u + 3u) & 8191u] + src[(i * 8u + 4u) & 8191u] + src[(i * 8u + 5u) & 8191u] + src[(i * 8u + 6u) & 8191u] + src[(i * 8u + 7u) & 8191u];
         out[i] = t;",
    ),
    (
        "modulo_8",
"let t = ((i * 8u + 0u) % n.x) + ((i * 8u + 1u) % n.x) + ((i * 8u + 2u) % n.x) + ((i * 8u + 3u) % n.x) + ((i * 8u + 4u) % n.x) + ((i * 8u + 5u) % n.x) + ((i * 8u + 6u) % n.x) + ((i * 8u + 7u) % n.x);
         out[i] = t;",
    ),
    (
        "plain_top",
        "UNGUARDED if (i < n.x) { out[i] = i; }",
    ),
];

fn shader_costs(c: &mut Criterion) {
    let ctx = GpuContext::new(None).expect("a device");
    let device = &ctx.device;
    let out = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("out"),
        size: u64::from(INVOCATIONS) * 4,
        usage: wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    });
    // x: invocations, y: the loops' bound (8), z: 0, so the guarded paths never run.
    let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("n"),
        contents: bytemuck::cast_slice(&[INVOCATIONS, 8, 0, 0]),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let src = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("src"),
        size: u64::from(INVOCATIONS) * 4,
        usage: wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    });
    let table = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("table"),
        size: 64 * 16,
        usage: wgpu::BufferUsages::UNIFORM,
        mapped_at_creation: false,
    });
    // Writable buffers of four words per invocation, one per writable binding.
    let scratch: Vec<wgpu::Buffer> = (0..6)
        .map(|_| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("scratch"),
                size: u64::from(INVOCATIONS) * 16,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            })
        })
        .collect();
    let texels = device
        .create_texture(&wgpu::TextureDescriptor {
            label: Some("texels"),
            size: wgpu::Extent3d {
                width: 128,
                height: 128,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::R32Uint,
            usage: wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        })
        .create_view(&Default::default());
    // Explicit, so that every variant binds the same buffers whether it uses them or not.
    let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    };
    let bind_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("shader_costs"),
        entries: &[
            entry(0, wgpu::BufferBindingType::Storage { read_only: false }),
            entry(1, wgpu::BufferBindingType::Uniform),
            entry(2, wgpu::BufferBindingType::Storage { read_only: true }),
            entry(3, wgpu::BufferBindingType::Uniform),
            entry(4, wgpu::BufferBindingType::Storage { read_only: true }),
            wgpu::BindGroupLayoutEntry {
                binding: 5,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Texture {
                    sample_type: wgpu::TextureSampleType::Uint,
                    view_dimension: wgpu::TextureViewDimension::D2,
                    multisampled: false,
                },
                count: None,
            },
            entry(6, wgpu::BufferBindingType::Storage { read_only: true }),
            entry(7, wgpu::BufferBindingType::Storage { read_only: false }),
            entry(8, wgpu::BufferBindingType::Storage { read_only: false }),
            entry(9, wgpu::BufferBindingType::Storage { read_only: false }),
            entry(10, wgpu::BufferBindingType::Storage { read_only: false }),
            entry(11, wgpu::BufferBindingType::Storage { read_only: false }),
            entry(12, wgpu::BufferBindingType::Storage { read_only: false }),
        ],
    });
    let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("shader_costs"),
        bind_group_layouts: &[Some(&bind_layout)],
        immediate_size: 0,
    });
    let mut group = c.benchmark_group("shader_costs_per_dispatch");
    group.sample_size(20);
    for (name, body) in VARIANTS {
        let source = format!(
            "@group(0) @binding(0) var<storage, read_write> out: array<u32>;\n\
             @group(0) @binding(1) var<uniform> n: vec4<u32>;\n\
             @group(0) @binding(2) var<storage, read> src: array<u32>;\n\
             @group(0) @binding(3) var<uniform> table: array<vec4<u32>, 64>;\n\
             @group(0) @binding(4) var<storage, read> src4: array<vec4<u32>>;\n\
             @group(0) @binding(5) var texels: texture_2d<u32>;\n\
             @group(0) @binding(6) var<storage, read> src2: array<vec2<u32>>;\n\
             var<workgroup> w: array<u32, 64>;\n\
             @group(0) @binding(7) var<storage, read_write> out4: array<vec4<u32>>;\n\
             @group(0) @binding(8) var<storage, read_write> rw: array<u32>;\n\
             @group(0) @binding(9) var<storage, read_write> rw4: array<vec4<u32>>;\n\
             @group(0) @binding(10) var<storage, read_write> ring2: array<vec2<u32>>;\n\
             @group(0) @binding(11) var<storage, read_write> a: array<atomic<u32>>;\n\
             fn out4_words(j: u32) -> u32 {{ return ring1[j]; }}\n\
             fn out4_set(j: u32, x: u32) {{ ring1[j] = x; }}\n\
             @group(0) @binding(12) var<storage, read_write> ring1: array<u32>;\n\
             fn tx(j: u32) -> u32 {{ return textureLoad(texels, vec2<u32>(j & 127u, (j >> 7u) & 127u), 0).x; }}\n\
             @compute @workgroup_size({WORKGROUP})\n\
             fn main(@builtin(global_invocation_id) id: vec3<u32>) {{\n\
             let i = id.x;\n{guard}\n{body}\n}}\n",
            guard = if body.starts_with("UNGUARDED") {
                ""
            } else {
                "if (i >= n.x) { return; }"
            },
            body = body.trim_start_matches("UNGUARDED"),
        );
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(name),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(name),
            layout: Some(&layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        // Bindings 0–4 and 6–12 are buffers, 5 the texture.
        let buffers = [&out, &uniform, &src, &table, &src]
            .into_iter()
            .chain([&src])
            .chain(scratch.iter());
        let mut entries: Vec<wgpu::BindGroupEntry> = buffers
            .zip((0..5).chain(6..))
            .map(|(buffer, binding)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        entries.push(wgpu::BindGroupEntry {
            binding: 5,
            resource: wgpu::BindingResource::TextureView(&texels),
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(name),
            layout: &bind_layout,
            entries: &entries,
        });
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                let start = std::time::Instant::now();
                for _ in 0..iterations {
                    let mut encoder = device.create_command_encoder(&Default::default());
                    {
                        let mut pass = encoder.begin_compute_pass(&Default::default());
                        pass.set_pipeline(&pipeline);
                        pass.set_bind_group(0, &bind_group, &[]);
                        for _ in 0..DISPATCHES {
                            pass.dispatch_workgroups(INVOCATIONS.div_ceil(WORKGROUP), 1, 1);
                        }
                    }
                    ctx.wait(ctx.queue.submit([encoder.finish()]))
                        .expect("wait");
                }
                // Per dispatch.
                start.elapsed() / DISPATCHES
            })
        });
    }
    group.finish();
}

criterion_group!(benches, shader_costs);
criterion_main!(benches);
