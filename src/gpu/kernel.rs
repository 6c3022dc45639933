//! Running a single small kernel outside a simulation: device probes at start-up,
//! and tests that compare a WGSL function with its Rust twin.

use wgpu::util::DeviceExt;

use super::device::GpuContext;
use super::shaders::AssembledShader;
use crate::error::Error;

/// Runs `main` of `shader` over `invocations` invocations (workgroups of 64, on a 2-D
/// grid) with `input` bound at 0 (read) and `output_words` u32 at 1 (read_write), and
/// returns the output.
pub fn run_kernel(
    ctx: &GpuContext,
    shader: &AssembledShader,
    input: &[u32],
    output_words: usize,
    invocations: u32,
) -> Result<Vec<u32>, Error> {
    shader.validate()?;
    let device = &ctx.device;
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("kernel"),
        source: wgpu::ShaderSource::Wgsl(shader.source.clone().into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("kernel"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: wgpu::PipelineCompilationOptions::default(),
        cache: None,
    });
    let mut padded = input.to_vec();
    padded.resize(input.len().max(64), 0);
    let input = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("kernel input"),
        contents: bytemuck::cast_slice(&padded),
        usage: wgpu::BufferUsages::STORAGE,
    });
    let bytes = (output_words.max(64) * 4) as u64;
    let output = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("kernel output"),
        size: bytes,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    let staging = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("kernel staging"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("kernel"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: input.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: output.as_entire_binding(),
            },
        ],
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("kernel"),
    });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("kernel"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        let (x, y) = crate::plan::layout::grid(invocations.div_ceil(64));
        pass.dispatch_workgroups(x, y, 1);
    }
    encoder.copy_buffer_to_buffer(&output, 0, &staging, 0, bytes);
    let submission = ctx.queue.submit([encoder.finish()]);
    let words: Vec<u32> = bytemuck::pod_collect_to_vec(&ctx.read_mapped(&staging, submission)?);
    Ok(words[..output_words].to_vec())
}
