//! The training kernels on the GPU: buffers sized for a batch, one compute pass of a
//! trial's forward steps and one of its backward steps, each step a dispatch whose
//! step number comes from a dynamic uniform offset.

use std::borrow::Cow;

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::device::GpuContext;
use super::shaders::{AssembledShader, ShaderFile, MATH, ROUNDING};
use crate::cpu::train_backward::Gradients;
use crate::cpu::train_forward::History;
use crate::cpu::train_optimize::OptimizeConfig;
use crate::cpu::train_output::OutputRecord;
use crate::error::Error;
use crate::plan::layout::grid;
use crate::train::optimizer::Moments;
use crate::train::plan::{ConnectionPlan, TrainingPlan};

/// `TrainConfig` of `shaders/common/train.wgsl`.
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
#[repr(C)]
pub struct TrainConfig {
    pub zero: u32,
    pub instances: u32,
    pub steps: u32,
    pub neurons: u32,
    pub words: u32,
    pub layers: u32,
    pub connections: u32,
    pub synapses: u32,
    pub depth: u32,
    pub gamma: f32,
    pub output: u32,
    pub inv_steps: f32,
    pub active_first: u32,
    pub active_count: u32,
    pub _pad0: u32,
    pub _pad1: u32,
}

/// `TrainStep` of `shaders/common/train.wgsl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct TrainStep {
    pub step: u32,
}

pub const TRAIN_COMMON: ShaderFile = ShaderFile {
    path: Cow::Borrowed("shaders/common/train.wgsl"),
    source: Cow::Borrowed(include_str!("../../shaders/common/train.wgsl")),
};
pub const TRAIN_FORWARD: ShaderFile = ShaderFile {
    path: Cow::Borrowed("shaders/train_forward.wgsl"),
    source: Cow::Borrowed(include_str!("../../shaders/train_forward.wgsl")),
};
pub const TRAIN_BACKWARD: ShaderFile = ShaderFile {
    path: Cow::Borrowed("shaders/train_backward.wgsl"),
    source: Cow::Borrowed(include_str!("../../shaders/train_backward.wgsl")),
};
pub const TRAIN_EPROP: ShaderFile = ShaderFile {
    path: Cow::Borrowed("shaders/train_eprop.wgsl"),
    source: Cow::Borrowed(include_str!("../../shaders/train_eprop.wgsl")),
};
pub const TRAIN_OUTPUT: ShaderFile = ShaderFile {
    path: Cow::Borrowed("shaders/train_output.wgsl"),
    source: Cow::Borrowed(include_str!("../../shaders/train_output.wgsl")),
};
pub const TRAIN_OPTIMIZE: ShaderFile = ShaderFile {
    path: Cow::Borrowed("shaders/train_optimize.wgsl"),
    source: Cow::Borrowed(include_str!("../../shaders/train_optimize.wgsl")),
};
/// `layer_of`, for the stages that walk neurons.
const TRAIN_LAYERS: ShaderFile = ShaderFile {
    path: Cow::Borrowed("shaders/common/train_layers.wgsl"),
    source: Cow::Borrowed(include_str!("../../shaders/common/train_layers.wgsl")),
};

/// An assembled training stage (`TRAIN_FORWARD`, `TRAIN_BACKWARD`, `TRAIN_EPROP`,
/// `TRAIN_OUTPUT` or `TRAIN_OPTIMIZE`).
pub fn train_shader(stage: ShaderFile) -> AssembledShader {
    if stage.path == TRAIN_OPTIMIZE.path {
        AssembledShader::new([TRAIN_COMMON, ROUNDING, MATH, stage])
    } else {
        AssembledShader::new([TRAIN_COMMON, TRAIN_LAYERS, ROUNDING, MATH, stage])
    }
}

const WORKGROUP: u32 = 64;

/// How much of a trial [`GpuTrainer::forward`] reads back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readback {
    /// Every neuron's spike bits and recorded values.
    All,
    /// The output layer's only (all a loss needs).
    Output,
}

/// What a [`GpuTrainer`] is sized and set for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpuTrainerSizes {
    /// Instances per batch at most.
    pub capacity: u32,
    /// The longest delay (steps) the adjoint's ring holds.
    pub max_delay_steps: u32,
    /// The layer the loss reads.
    pub output: u32,
    /// e-prop's pseudo-derivative height (0 for EventProp).
    pub gamma: f32,
    /// Whether e-prop runs: only then do the eligibility traces need memory.
    pub eprop: bool,
}

/// Buffers and pipelines for batches of up to `capacity` instances of one plan.
pub struct GpuTrainer {
    ctx: GpuContext,
    plan: TrainingPlan,
    capacity: u32,
    depth: u32,
    step_stride: u64,
    /// The layer the loss reads, and e-prop's pseudo-derivative height.
    output: u32,
    gamma: f32,
    forward: wgpu::ComputePipeline,
    backward: wgpu::ComputePipeline,
    eprop: wgpu::ComputePipeline,
    output_pipeline: wgpu::ComputePipeline,
    optimize: wgpu::ComputePipeline,
    eprop_layout: wgpu::BindGroupLayout,
    forward_layout: wgpu::BindGroupLayout,
    backward_layout: wgpu::BindGroupLayout,
    config: wgpu::Buffer,
    steps: wgpu::Buffer,
    layers: wgpu::Buffer,
    connections: wgpu::Buffer,
    weights: wgpu::Buffer,
    delays: wgpu::Buffer,
    state: wgpu::Buffer,
    spikes: wgpu::Buffer,
    recorded: wgpu::Buffer,
    sources: wgpu::Buffer,
    adjoint: wgpu::Buffer,
    ring: wgpu::Buffer,
    gradients: wgpu::Buffer,
    delays_ms: wgpu::Buffer,
    labels: wgpu::Buffer,
    feedback: wgpu::Buffer,
    output_values: wgpu::Buffer,
    output_spikes: wgpu::Buffer,
    eligibility: wgpu::Buffer,
    /// The optimiser's moments of the weights and of the delays (first, second).
    moments: [[wgpu::Buffer; 2]; 2],
    optimize_configs: [wgpu::Buffer; 2],
}

/// A storage buffer (written by the host or a kernel, read back).
fn storage(device: &wgpu::Device, label: &str, bytes: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: bytes.max(16),
        usage: wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_DST
            | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    })
}

/// Refuses, naming the buffer and the limit, a batch whose buffers the adapter
/// cannot hold or bind.
fn check_sizes(ctx: &GpuContext, sizes: &[(&'static str, u64)]) -> Result<(), Error> {
    let mut by_size = sizes.to_vec();
    by_size.sort_by_key(|&(_, bytes)| std::cmp::Reverse(bytes));
    let largest = by_size
        .iter()
        .take(3)
        .map(|(name, bytes)| format!("{name} {bytes} bytes"))
        .collect::<Vec<_>>()
        .join(", ");
    for &(buffer, bytes) in sizes {
        for (limit, limit_name) in [
            (ctx.limits.max_buffer_size, "max_buffer_size"),
            (
                ctx.limits.max_storage_buffer_binding_size,
                "max_storage_buffer_binding_size",
            ),
        ] {
            if bytes > limit {
                return Err(Error::TooLarge {
                    buffer,
                    bytes,
                    limit,
                    limit_name,
                    adapter: ctx.description.clone(),
                    largest: format!("{largest} (a smaller batch needs less)"),
                });
            }
        }
    }
    Ok(())
}

fn layout_entry(binding: u32, ty: wgpu::BindingType) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty,
        count: None,
    }
}

/// Binding 0 the config, 1 the step (dynamic offset), then storage buffers: `true`
/// where the kernel writes.
fn bind_layout(device: &wgpu::Device, label: &str, writes: &[bool]) -> wgpu::BindGroupLayout {
    let uniform = |dynamic| wgpu::BindingType::Buffer {
        ty: wgpu::BufferBindingType::Uniform,
        has_dynamic_offset: dynamic,
        min_binding_size: None,
    };
    let mut entries = vec![
        layout_entry(0, uniform(false)),
        layout_entry(1, uniform(true)),
    ];
    for (k, &write) in writes.iter().enumerate() {
        entries.push(layout_entry(
            2 + k as u32,
            wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only: !write },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
        ));
    }
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries: &entries,
    })
}

impl GpuTrainer {
    /// Buffers for batches of up to `capacity` instances and delays of up to
    /// `max_delay_steps`, with the loss on layer `output` and e-prop's `gamma`; the
    /// optimiser's moments (weights, delays) start from `moments` where given (a
    /// trainer remade for a larger batch or longer delays).
    pub fn new(
        ctx: GpuContext,
        plan: &TrainingPlan,
        sizes: GpuTrainerSizes,
        moments: Option<(Moments, Moments)>,
    ) -> Result<Self, Error> {
        let GpuTrainerSizes {
            capacity,
            max_delay_steps,
            output,
            gamma,
            eprop,
        } = sizes;
        let device = &ctx.device;
        let needed = 10;
        if ctx.limits.max_storage_buffers_per_shader_stage < needed {
            return Err(Error::Device(format!(
                "training needs {needed} storage buffers per shader stage; the adapter allows {}",
                ctx.limits.max_storage_buffers_per_shader_stage
            )));
        }
        let step_stride = u64::from(ctx.limits.min_uniform_buffer_offset_alignment).max(4);
        let (b, n, t, s) = (
            u64::from(capacity),
            u64::from(plan.neurons),
            u64::from(plan.steps),
            u64::from(plan.synapses),
        );
        let depth = max_delay_steps + 1;
        let out = u64::from(plan.layers[output as usize].size);
        // Every buffer's size, checked against the adapter before anything is made.
        let sizes = [
            ("train weights", 4 * s),
            ("train delays", 4 * s),
            ("train delays (ms)", 4 * s),
            ("train state", 16 * b * n),
            ("train spikes", 4 * b * t * u64::from(plan.words())),
            ("train recorded", 4 * b * t * n),
            ("train sources", 4 * b * t * out),
            ("train output values", 4 * b * t * out),
            ("train output spikes", 4 * b * t * out),
            ("train adjoint", 8 * b * n),
            ("train ring", 8 * u64::from(depth) * b * n),
            ("train gradients", 8 * b * s),
            ("train labels", 4 * b),
            ("train feedback", 4 * n * out),
            ("train eligibility", if eprop { 20 * b * s } else { 0 }),
        ];
        check_sizes(&ctx, &sizes)?;
        // The step numbers, one per uniform-offset stride (only 16 bytes are bound, at
        // a 32-bit dynamic offset).
        let offset_limit = ctx.limits.max_buffer_size.min(u64::from(u32::MAX));
        if t * step_stride > offset_limit {
            return Err(Error::TooLarge {
                buffer: "train steps",
                bytes: t * step_stride,
                limit: offset_limit,
                limit_name: "max_buffer_size, and the 32-bit dynamic offset",
                adapter: ctx.description.clone(),
                largest: "a shorter trial needs less".into(),
            });
        }
        let bytes = |name: &str| {
            sizes
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(0, |(_, b)| *b)
        };
        let storage = |name: &'static str| storage(device, name, bytes(name));
        let pipeline = |file: ShaderFile,
                        layout: Option<&wgpu::BindGroupLayout>|
         -> Result<wgpu::ComputePipeline, Error> {
            let shader = train_shader(file);
            shader.validate()?;
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("train"),
                source: wgpu::ShaderSource::Wgsl(shader.source.clone().into()),
            });
            // The optimiser's layout is derived from its shader (no dynamic offsets).
            let pipeline_layout = layout.map(|layout| {
                device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                    label: Some("train"),
                    bind_group_layouts: &[Some(layout)],
                    immediate_size: 0,
                })
            });
            Ok(
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some("train"),
                    layout: pipeline_layout.as_ref(),
                    module: &module,
                    entry_point: Some("main"),
                    compilation_options: wgpu::PipelineCompilationOptions::default(),
                    cache: None,
                }),
            )
        };
        // layers, connections, weights, delays, state, spikes, recorded
        let forward_layout = bind_layout(
            device,
            "train forward",
            &[false, false, false, false, true, true, true],
        );
        // … spikes, recorded, sources, adjoint, ring, gradients
        let backward_layout = bind_layout(
            device,
            "train backward",
            &[
                false, false, false, false, false, false, false, true, true, true,
            ],
        );
        let forward = pipeline(TRAIN_FORWARD, Some(&forward_layout))?;
        let backward = pipeline(TRAIN_BACKWARD, Some(&backward_layout))?;
        // layers, connections, delays, spikes, recorded, state, labels, feedback,
        // eligibility, gradients
        let eprop_layout = bind_layout(
            device,
            "train eprop",
            &[
                false, false, false, false, false, false, false, false, true, true,
            ],
        );
        let eprop = pipeline(TRAIN_EPROP, Some(&eprop_layout))?;
        let optimize = pipeline(TRAIN_OPTIMIZE, None)?;
        let output_pipeline = pipeline(TRAIN_OUTPUT, None)?;
        let steps_data: Vec<u8> = (0..plan.steps)
            .flat_map(|n| {
                let mut entry = vec![0u8; step_stride as usize];
                entry[..4].copy_from_slice(&n.to_le_bytes());
                entry
            })
            .collect();
        let steps = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("train steps"),
            contents: &steps_data,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let config = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("train config"),
            size: std::mem::size_of::<TrainConfig>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let init = |label: &str, contents: &[u8]| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            })
        };
        let layers = init("train layers", bytemuck::cast_slice(&plan.layers));
        let connections = init("train connections", bytemuck::cast_slice(&plan.connections));
        let (weight_moments, delay_moments) = moments.unwrap_or_else(|| {
            let n = plan.synapses as usize;
            (Moments::new(n), Moments::new(n))
        });
        let moment = |label: &str, values: &[f32]| {
            let mut values = values.to_vec();
            values.resize(values.len().max(4), 0.0);
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(&values),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            })
        };
        let optimize_config = || {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("train optimize config"),
                size: std::mem::size_of::<OptimizeConfig>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let trainer = Self {
            delays_ms: storage("train delays (ms)"),
            labels: storage("train labels"),
            feedback: storage("train feedback"),
            eligibility: storage("train eligibility"),
            eprop,
            eprop_layout,
            output,
            gamma,
            moments: [
                [
                    moment("train weight moment 1", &weight_moments.first),
                    moment("train weight moment 2", &weight_moments.second),
                ],
                [
                    moment("train delay moment 1", &delay_moments.first),
                    moment("train delay moment 2", &delay_moments.second),
                ],
            ],
            optimize_configs: [optimize_config(), optimize_config()],
            optimize,
            weights: storage("train weights"),
            delays: storage("train delays"),
            state: storage("train state"),
            spikes: storage("train spikes"),
            recorded: storage("train recorded"),
            sources: storage("train sources"),
            output_values: storage("train output values"),
            output_spikes: storage("train output spikes"),
            output_pipeline,
            adjoint: storage("train adjoint"),
            ring: storage("train ring"),
            gradients: storage("train gradients"),
            config,
            steps,
            layers,
            connections,
            forward,
            backward,
            forward_layout,
            backward_layout,
            step_stride,
            depth,
            capacity,
            plan: plan.clone(),
            ctx,
        };
        trainer.ctx.check()?;
        Ok(trainer)
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    pub fn max_delay_steps(&self) -> u32 {
        self.depth - 1
    }

    /// e-prop's pseudo-derivative height for the runs from now on (a configuration
    /// may change it between batches).
    pub fn set_gamma(&mut self, gamma: f32) {
        self.gamma = gamma;
    }

    /// The connection table as the plan has it now (each connection's shared
    /// delay follows the delays).
    pub fn set_connections(&self, connections: &[ConnectionPlan]) {
        self.ctx
            .queue
            .write_buffer(&self.connections, 0, bytemuck::cast_slice(connections));
    }

    fn bind_group(
        &self,
        layout: &wgpu::BindGroupLayout,
        buffers: &[&wgpu::Buffer],
    ) -> wgpu::BindGroup {
        let step = wgpu::BufferBinding {
            buffer: &self.steps,
            offset: 0,
            size: wgpu::BufferSize::new(16.min(self.step_stride)),
        };
        let mut entries = vec![
            wgpu::BindGroupEntry {
                binding: 0,
                resource: self.config.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Buffer(step),
            },
        ];
        for (k, buffer) in buffers.iter().enumerate() {
            entries.push(wgpu::BindGroupEntry {
                binding: 2 + k as u32,
                resource: buffer.as_entire_binding(),
            });
        }
        self.ctx
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("train"),
                layout,
                entries: &entries,
            })
    }

    /// Records, in one pass, a dispatch of each stage per step, in the given step
    /// order.
    fn record(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        stages: &[(&wgpu::ComputePipeline, &wgpu::BindGroup)],
        order: impl Iterator<Item = u32>,
        invocations: u32,
    ) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("train"),
            timestamp_writes: None,
        });
        let (x, y) = grid(invocations.div_ceil(WORKGROUP));
        for n in order {
            for (pipeline, group) in stages {
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, *group, &[(u64::from(n) * self.step_stride) as u32]);
                pass.dispatch_workgroups(x, y, 1);
            }
        }
    }

    fn write_config(&self, instances: u32) {
        let config = TrainConfig {
            zero: 0,
            instances,
            steps: self.plan.steps,
            neurons: self.plan.neurons,
            words: self.plan.words(),
            layers: self.plan.layers.len() as u32,
            connections: self.plan.connections.len() as u32,
            synapses: self.plan.synapses,
            depth: self.depth,
            gamma: self.gamma,
            output: self.output,
            inv_steps: (1.0 / f64::from(self.plan.steps)) as f32,
            active_first: self.plan.active_range().start,
            active_count: self.plan.active_range().len() as u32,
            _pad0: 0,
            _pad1: 0,
        };
        self.ctx
            .queue
            .write_buffer(&self.config, 0, bytemuck::bytes_of(&config));
    }

    /// Runs a trial forward for `history.instances` instances whose input spike bits
    /// are already in `history.spikes`, and returns what the loss reads of it (the
    /// output layer's records, gathered on the device); with `Readback::All` the
    /// rest of `history` is filled too. With `eprop` (labels per instance, the
    /// feedback matrix), e-prop's step follows each forward step and its gradients
    /// stay on the device for `optimize`.
    pub fn forward(
        &self,
        weights: &[f32],
        delays: &[u32],
        history: &mut History,
        eprop: Option<(&[u32], &[f32])>,
        readback: Readback,
    ) -> Result<OutputRecord, Error> {
        self.check_fits(history.instances, delays)?;
        let queue = &self.ctx.queue;
        self.write_config(history.instances);
        queue.write_buffer(&self.weights, 0, bytemuck::cast_slice(weights));
        queue.write_buffer(&self.delays, 0, bytemuck::cast_slice(delays));
        queue.write_buffer(&self.spikes, 0, bytemuck::cast_slice(&history.spikes));
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(&self.state, 0, None);
        let group = self.bind_group(
            &self.forward_layout,
            &[
                &self.layers,
                &self.connections,
                &self.weights,
                &self.delays,
                &self.state,
                &self.spikes,
                &self.recorded,
            ],
        );
        let mut stages = vec![(&self.forward, &group)];
        let eprop_group;
        if let Some((labels, feedback)) = eprop {
            queue.write_buffer(&self.labels, 0, bytemuck::cast_slice(labels));
            queue.write_buffer(&self.feedback, 0, bytemuck::cast_slice(feedback));
            encoder.clear_buffer(&self.eligibility, 0, None);
            encoder.clear_buffer(&self.gradients, 0, None);
            eprop_group = self.bind_group(
                &self.eprop_layout,
                &[
                    &self.layers,
                    &self.connections,
                    &self.delays,
                    &self.spikes,
                    &self.recorded,
                    &self.state,
                    &self.labels,
                    &self.feedback,
                    &self.eligibility,
                    &self.gradients,
                ],
            );
            stages.push((&self.eprop, &eprop_group));
        }
        // Forward and e-prop: every neuron from the first non-input layer on.
        let active = history.instances * self.plan.active_range().len() as u32;
        self.record(&mut encoder, &stages, 0..self.plan.steps, active);
        // The output layer's part, gathered on the device.
        let output = self
            .ctx
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("train output"),
                layout: &self.output_pipeline.get_bind_group_layout(0),
                entries: &[
                    &self.config,
                    &self.layers,
                    &self.spikes,
                    &self.recorded,
                    &self.output_values,
                    &self.output_spikes,
                ]
                .iter()
                .enumerate()
                .map(|(binding, buffer)| wgpu::BindGroupEntry {
                    binding: binding as u32,
                    resource: buffer.as_entire_binding(),
                })
                .collect::<Vec<_>>(),
            });
        let size = self.plan.layers[self.output as usize].size;
        let entries = history.instances * self.plan.steps * size;
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.output_pipeline);
            pass.set_bind_group(0, &output, &[]);
            let (x, y) = grid(entries.div_ceil(WORKGROUP));
            pass.dispatch_workgroups(x, y, 1);
        }
        let values: Vec<u32> = self.read_words(encoder, &self.output_values, entries as usize)?;
        let encoder = self.ctx.device.create_command_encoder(&Default::default());
        let record = OutputRecord {
            instances: history.instances,
            steps: self.plan.steps,
            size,
            values: bytemuck::cast_slice(&values).to_vec(),
            spikes: self.read_words(encoder, &self.output_spikes, entries as usize)?,
        };
        if readback == Readback::All {
            let encoder = self.ctx.device.create_command_encoder(&Default::default());
            history.spikes = self.read_words(encoder, &self.spikes, history.spikes.len())?;
            let encoder = self.ctx.device.create_command_encoder(&Default::default());
            let recorded: Vec<u32> =
                self.read_words(encoder, &self.recorded, history.recorded.len())?;
            history.recorded = bytemuck::cast_slice(&recorded).to_vec();
        }
        Ok(record)
    }

    /// Runs the backward pass over a trial `forward` has just run (its buffers still
    /// hold the trial), with the loss's `sources`; the per-instance gradients stay on
    /// the device for `optimize` (and `gradients` reads them).
    pub fn backward(
        &self,
        weights: &[f32],
        delays: &[u32],
        instances: u32,
        sources: &[f32],
    ) -> Result<(), Error> {
        self.check_fits(instances, delays)?;
        let queue = &self.ctx.queue;
        self.write_config(instances);
        queue.write_buffer(&self.weights, 0, bytemuck::cast_slice(weights));
        queue.write_buffer(&self.delays, 0, bytemuck::cast_slice(delays));
        queue.write_buffer(&self.sources, 0, bytemuck::cast_slice(sources));
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(&self.adjoint, 0, None);
        encoder.clear_buffer(&self.ring, 0, None);
        encoder.clear_buffer(&self.gradients, 0, None);
        let group = self.bind_group(
            &self.backward_layout,
            &[
                &self.layers,
                &self.connections,
                &self.weights,
                &self.delays,
                &self.spikes,
                &self.recorded,
                &self.sources,
                &self.adjoint,
                &self.ring,
                &self.gradients,
            ],
        );
        self.record(
            &mut encoder,
            &[(&self.backward, &group)],
            (0..self.plan.steps).rev(),
            instances * self.plan.neurons,
        );
        let submission = queue.submit([encoder.finish()]);
        self.ctx.wait(submission)
    }

    /// The per-instance gradients of the last backward pass.
    pub fn gradients(&self, instances: u32) -> Result<Gradients, Error> {
        let words = 2 * (instances * self.plan.synapses) as usize;
        let encoder = self.ctx.device.create_command_encoder(&Default::default());
        let pairs: Vec<u32> = self.read_words(encoder, &self.gradients, words)?;
        let pairs: &[f32] = bytemuck::cast_slice(&pairs);
        Ok(Gradients {
            weights: pairs.iter().step_by(2).copied().collect(),
            delays: pairs.iter().skip(1).step_by(2).copied().collect(),
        })
    }

    /// One optimiser step of the weights (as last uploaded) and, where given, of the
    /// delays (ms), from the last backward pass's gradients; returns the new values.
    pub fn optimize(
        &self,
        weights: &OptimizeConfig,
        delays: Option<(&OptimizeConfig, &[f32])>,
    ) -> Result<(Vec<f32>, Option<Vec<f32>>), Error> {
        let device = &self.ctx.device;
        let queue = &self.ctx.queue;
        let mut encoder = device.create_command_encoder(&Default::default());
        let mut pass = |config: &OptimizeConfig, k: usize, parameters: &wgpu::Buffer| {
            queue.write_buffer(&self.optimize_configs[k], 0, bytemuck::bytes_of(config));
            let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("train optimize"),
                layout: &self.optimize.get_bind_group_layout(0),
                entries: &[
                    self.optimize_configs[k].as_entire_binding(),
                    self.gradients.as_entire_binding(),
                    parameters.as_entire_binding(),
                    self.moments[k][0].as_entire_binding(),
                    self.moments[k][1].as_entire_binding(),
                ]
                .into_iter()
                .enumerate()
                .map(|(binding, resource)| wgpu::BindGroupEntry {
                    binding: binding as u32,
                    resource,
                })
                .collect::<Vec<_>>(),
            });
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.optimize);
            pass.set_bind_group(0, &group, &[]);
            let (x, y) = grid(config.count.div_ceil(WORKGROUP));
            pass.dispatch_workgroups(x, y, 1);
        };
        pass(weights, 0, &self.weights);
        if let Some((config, values)) = delays {
            queue.write_buffer(&self.delays_ms, 0, bytemuck::cast_slice(values));
            pass(config, 1, &self.delays_ms);
        }
        let count = self.plan.synapses as usize;
        let w: Vec<u32> = self.read_words(encoder, &self.weights, count)?;
        let d = match delays {
            Some(_) => {
                let encoder = device.create_command_encoder(&Default::default());
                let d: Vec<u32> = self.read_words(encoder, &self.delays_ms, count)?;
                Some(bytemuck::cast_slice(&d).to_vec())
            }
            None => None,
        };
        Ok((bytemuck::cast_slice(&w).to_vec(), d))
    }

    /// The optimiser's moments (weights, delays), to carry into a remade trainer.
    pub fn moments(&self) -> Result<(Moments, Moments), Error> {
        let count = self.plan.synapses as usize;
        let read = |buffer: &wgpu::Buffer| -> Result<Vec<f32>, Error> {
            let encoder = self.ctx.device.create_command_encoder(&Default::default());
            let words = self.read_words(encoder, buffer, count)?;
            Ok(bytemuck::cast_slice(&words).to_vec())
        };
        let [[w1, w2], [d1, d2]] = &self.moments;
        Ok((
            Moments {
                first: read(w1)?,
                second: read(w2)?,
            },
            Moments {
                first: read(d1)?,
                second: read(d2)?,
            },
        ))
    }

    fn check_fits(&self, instances: u32, delays: &[u32]) -> Result<(), Error> {
        let longest = delays.iter().copied().max().unwrap_or(1);
        if instances > self.capacity || longest >= self.depth {
            return Err(Error::Device(format!(
                "a batch of {instances} instances with delays up to {longest} steps does not fit \
                 buffers made for {} instances and {} steps",
                self.capacity,
                self.depth - 1
            )));
        }
        Ok(())
    }

    /// Submits `encoder` with a copy of the first `words` words of `buffer` and
    /// returns them.
    fn read_words(
        &self,
        mut encoder: wgpu::CommandEncoder,
        buffer: &wgpu::Buffer,
        words: usize,
    ) -> Result<Vec<u32>, Error> {
        let bytes = (4 * words as u64).max(4);
        let staging = self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("train readback"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(buffer, 0, &staging, 0, bytes);
        let submission = self.ctx.queue.submit([encoder.finish()]);
        let data = self.ctx.read_mapped(&staging, submission)?;
        let mut out: Vec<u32> = bytemuck::pod_collect_to_vec(&data);
        out.truncate(words);
        Ok(out)
    }
}
