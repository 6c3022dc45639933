//! The GPU backend: buffers and pipelines made from the plan, batches of steps
//! recorded into one command encoder each, and double-buffered readback: the host
//! reads batch i while the device runs batch i + 1.

use std::time::{Duration, Instant};

use bytemuck::Pod;
use wgpu::util::DeviceExt;

use super::build;
use super::custom;
use super::custom_rule;
use super::device::GpuContext;
use super::features::NeuronFeatures;
use super::ring::RingChunks;
use super::shaders::{
    neuron_update_with, AssembledShader, ShaderFile, Stage, LOOP_LIMIT, LOOP_LIMIT_NONE, MUL_HI,
    MUL_HI_INT64, PLASTICITY_CUSTOM,
};
use super::table::{binding_bytes, TableBuffers, STORAGE};
use super::uniform_tables::{
    procedural_space, rule_space, uniform_budget, GroupReads, NeuronTables, TableSpace,
};
use crate::checkpoint::Snapshot;
use crate::engine::{
    batches, probes_sample_at, window_starts, BatchOutput, BatchSink, Engine, KernelKind,
    KernelProfile, KernelTime, KernelTiming,
};
use crate::error::{Error, MemoryShortfall};
use crate::input::StreamedInput;
use crate::plan::layout::{flushes_after, grid, Counters, KindInfo, NEURON_WORKGROUP};
use crate::plan::memory::{format_bytes, MemoryReport};
use crate::plan::{NeuronKind, Plan, MIN_BUFFER_BYTES};

/// Device buffers, named as the shaders bind them.
impl Buffers {
    /// The ring's chunks after the first, bound after each ring stage's own bindings.
    fn more_ring(&self) -> impl Iterator<Item = wgpu::BindingResource<'_>> {
        self.ring[1..].iter().map(|b| b.as_entire_binding())
    }
}

struct Buffers {
    config: wgpu::Buffer,
    counters: wgpu::Buffer,
    kinds: wgpu::Buffer,
    populations: wgpu::Buffer,
    params: wgpu::Buffer,
    stimuli: wgpu::Buffer,
    state: wgpu::Buffer,
    bias: wgpu::Buffer,
    /// The input ring in chunks of `ring_chunks.words` words (`gpu::ring`).
    ring: Vec<wgpu::Buffer>,
    spikes: wgpu::Buffer,
    dispatch: wgpu::Buffer,
    /// The host-drawn stored synapses.
    stored: TableBuffers,
    /// The synapses of projections built on the device (`gpu::build`).
    built: Option<TableBuffers>,
    procedural: wgpu::Buffer,
    row_lengths: wgpu::Buffer,
    plastic_row_start: wgpu::Buffer,
    plastic_synapse: wgpu::Buffer,
    post_start: wgpu::Buffer,
    post_synapse: wgpu::Buffer,
    plastic_rules: wgpu::Buffer,
    rule_params: wgpu::Buffer,
    plastic_state: wgpu::Buffer,
    history: wgpu::Buffer,
    sweep_synapse: wgpu::Buffer,
    modulators: wgpu::Buffer,
    astrocytes: wgpu::Buffer,
    gap_start: wgpu::Buffer,
    gap_partner: wgpu::Buffer,
    gap_coupling: wgpu::Buffer,
    gap_potential: wgpu::Buffer,
    gap_current: wgpu::Buffer,
    step_ends: wgpu::Buffer,
    probes: wgpu::Buffer,
    probe_out: wgpu::Buffer,
    stream: wgpu::Buffer,
    currents: wgpu::Buffer,
    readouts: wgpu::Buffer,
    errors: wgpu::Buffer,
}

/// Where each part of a batch's output lies in a staging buffer.
#[derive(Clone, Copy)]
/// (The recording comes last: a short batch copies and maps only the part of it its
/// steps can fill.)
struct StagingLayout {
    counters: u64,
    step_ends: u64,
    probe_out: u64,
    readouts: u64,
    record: u64,
    total: u64,
}

struct Kernel {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
}

/// Timestamps written between the dispatches of a profiled batch.
struct Profiler {
    queries: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    readback: wgpu::Buffer,
    /// The kernel that ran before timestamp k + 1.
    kinds: Vec<KernelKind>,
}

/// How a dispatch's size is given.
#[derive(Clone, Copy)]
enum Launch {
    Direct(u32, u32),
    /// From entry k of the `dispatch` buffer, written by propagate_prepare.
    Indirect(u64),
}

/// Timestamps one query set holds (WebGPU's limit).
const MAX_QUERIES: u32 = wgpu::QUERY_SET_MAX_QUERIES;

/// A batch submitted and not yet read back.
struct InFlight {
    staging: usize,
    submission: wgpu::SubmissionIndex,
    first_step: u64,
    steps: u32,
}

pub(crate) struct GpuEngine {
    ctx: GpuContext,
    plan: Plan,
    buffers: Buffers,
    /// How the input ring is split over buffers.
    ring_chunks: RingChunks,
    /// One neuron kernel per model present, with its workgroup grid.
    neuron_updates: Vec<(Kernel, (u32, u32), NeuronKind)>,
    /// Gap junction currents (none without junctions) and its grid.
    gap_coupling: Option<(Kernel, (u32, u32))>,
    propagate_prepare: Kernel,
    /// One per chunk of the stored synapses; none without stored synapses.
    propagate: Vec<Kernel>,
    /// Present where the plan has procedural projections.
    propagate_procedural: Option<Kernel>,
    /// Present where the plan has plastic synapses.
    propagate_plastic: Option<Kernel>,
    /// Present where a plastic rule changes with postsynaptic spikes.
    plastic_post: Option<Kernel>,
    /// Present where rules with a per-step part have synapses, with its workgroup
    /// grid.
    plastic_sweep: Option<(Kernel, (u32, u32))>,
    /// Present where three-factor rules have synapses, with its workgroup grid.
    plastic_flush: Option<(Kernel, (u32, u32))>,
    probe: Kernel,
    staging: [wgpu::Buffer; 2],
    layout: StagingLayout,
    probe_grid: (u32, u32),
    /// Host time spent copying batch outputs out and handing them on.
    readback: Duration,
    /// Time spent building the synapses of projections built on the device.
    device_build: Duration,
    /// The batch length last written to the counters (none: unknown, as after a
    /// restore).
    batch_len: std::cell::Cell<Option<u32>>,
    /// The end step of the batch last submitted.
    submitted_end: std::cell::Cell<Option<u64>>,
    /// The readouts a read-back batch brought with it, and that batch's end step:
    /// the device's readouts while no later batch has been submitted and no restore
    /// has rewritten them.
    batch_readouts: Option<(u64, Vec<u32>)>,
}

/// Entries of the `dispatch` buffer.
const PROPAGATION: u64 = 0;
const POST_WALK: u64 = 1;

/// Bytes between the `KindInfo` of two neuron kernels in the `kinds` buffer.
const KIND_SLOT: u64 = 256;

const UNIFORM: wgpu::BufferUsages = wgpu::BufferUsages::UNIFORM.union(wgpu::BufferUsages::COPY_DST);

impl GpuEngine {
    /// Checks the plan against the device's limits and memory, then allocates and
    /// uploads.
    #[tracing::instrument(name = "gpu_setup", skip_all)]
    pub fn new(plan: &Plan, ctx: GpuContext) -> Result<Self, Error> {
        check_limits(plan, &ctx)?;
        // The synapses built on the device are counted as expected until they are
        // built (and checked again, exactly, before their arrays are allocated).
        let report = MemoryReport {
            buffers: plan.buffers.clone(),
            exact: plan.built.is_empty(),
        };
        check_memory(&report, &ctx, || {
            "mark projections procedural, record fewer populations, or use a device with \
             more memory"
                .to_string()
        })?;
        let device = &ctx.device;
        let planned = |name: &str| {
            plan.buffers
                .iter()
                .find(|b| b.name == name)
                .expect("planned buffer")
                .bytes
        };
        let init = |name: &'static str, bytes: &[u8], usage| {
            let mut contents = bytes.to_vec();
            contents.resize(planned(name) as usize, 0);
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(name),
                contents: &contents,
                usage,
            })
        };
        let zeroed = |name: &'static str, usage| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(name),
                size: planned(name),
                usage,
                mapped_at_creation: false,
            })
        };
        // The input ring in as many buffers as its length needs.
        let ring_chunks = RingChunks::of(plan.ring_len(), binding_bytes(&ctx.limits))
            .for_device(ctx.info.device_type, plan.row_reach_bytes());
        tracing::debug!(
            chunks = ring_chunks.count,
            row_reach_bytes = plan.row_reach_bytes(),
            read_before_add = ring_chunks.read_before_add,
            "input ring"
        );
        let ring: Vec<wgpu::Buffer> = (0..ring_chunks.count)
            .map(|k| {
                let words = ring_chunks.len_of(k, plan.ring_len());
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("ring"),
                    size: (words * 4).max(MIN_BUFFER_BYTES),
                    usage: STORAGE,
                    mapped_at_creation: false,
                })
            })
            .collect();
        let infos: Vec<_> = plan.populations.iter().map(|p| p.info).collect();
        // One 256-byte slot per kernel (the largest uniform offset alignment WebGPU allows).
        let mut kinds = vec![0u8; plan.groups.len() * KIND_SLOT as usize];
        for (i, g) in plan.groups.iter().enumerate() {
            let at = i * KIND_SLOT as usize;
            kinds[at..at + size_of::<KindInfo>()].copy_from_slice(bytes_of(&g.info));
        }
        let buffers = Buffers {
            config: init("config", bytes_of(&plan.config), UNIFORM),
            counters: init("counters", bytes_of(&Counters::initial()), STORAGE),
            kinds: init("kinds", &kinds, UNIFORM),
            populations: init("populations", cast(&infos), STORAGE | UNIFORM),
            params: init("params", cast(&plan.params), STORAGE | UNIFORM),
            stimuli: init("stimuli", cast(&plan.stimuli), STORAGE | UNIFORM),
            state: init("state", cast(&plan.initial_state), STORAGE),
            bias: zeroed("bias", STORAGE),
            ring,
            spikes: zeroed("spikes", STORAGE),
            dispatch: zeroed("dispatch", STORAGE | wgpu::BufferUsages::INDIRECT),
            stored: TableBuffers::upload(&ctx, &plan.synapses, planned("row_start")),
            built: None,
            procedural: init("procedural", cast(&plan.procedural), STORAGE | UNIFORM),
            row_lengths: init("row_lengths", cast(&plan.row_lengths), STORAGE),
            plastic_row_start: init("plastic_row_start", cast(&plan.plastic.row_start), STORAGE),
            plastic_synapse: init("plastic_synapse", cast(&plan.plastic.synapse), STORAGE),
            post_start: init("post_start", cast(&plan.plastic.post_start), STORAGE),
            post_synapse: init("post_synapse", cast(&plan.plastic.post_synapse), STORAGE),
            plastic_rules: init(
                "plastic_rules",
                cast(&plan.plastic.device_rules(plan.config.n_instances)),
                STORAGE | UNIFORM,
            ),
            rule_params: init("rule_params", cast(&plan.plastic.rule_params), STORAGE),
            plastic_state: init(
                "plastic_state",
                cast(&plan.initial_plastic_state()),
                STORAGE,
            ),
            history: zeroed("history", STORAGE),
            sweep_synapse: init("sweep_synapse", cast(&plan.plastic.sweep_synapse), STORAGE),
            modulators: init("modulators", cast(&plan.initial_modulators()), STORAGE),
            astrocytes: init("astrocytes", cast(&plan.astrocytes.words), STORAGE),
            gap_start: init("gap_start", cast(&plan.gap.start), STORAGE),
            gap_partner: init("gap_partner", cast(&plan.gap.partner), STORAGE),
            gap_coupling: init("gap_coupling", cast(&plan.gap.coupling), STORAGE),
            gap_potential: init("gap_potential", cast(&plan.gap.potential), STORAGE),
            gap_current: zeroed("gap_current", STORAGE),
            step_ends: zeroed("step_ends", STORAGE),
            probes: init("probes", cast(&plan.probes), STORAGE),
            probe_out: zeroed("probe_out", STORAGE),
            stream: zeroed("stream", STORAGE),
            currents: zeroed("currents", STORAGE),
            errors: zeroed("errors", STORAGE),
            readouts: init("readouts", cast(&plan.initial_readouts()), STORAGE),
        };
        let build_start = Instant::now();
        let mut buffers = buffers;
        buffers.built = build::build_on_device(
            &ctx,
            plan,
            [&buffers.config, &buffers.procedural, &buffers.row_lengths],
        )?;
        let device_build = build_start.elapsed();
        let b = &buffers;
        let max_uniform = uniform_budget(&ctx.limits);
        let tables = NeuronTables::of(plan, max_uniform);
        // Sized from the whole rule table (every instance's), once for the four stages.
        let rules = rule_space(plan, max_uniform);
        let neuron_updates = plan
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let kind = wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &b.kinds,
                    offset: i as u64 * KIND_SLOT,
                    size: wgpu::BufferSize::new(size_of::<KindInfo>() as u64),
                });
                let resources = [
                    b.config.as_entire_binding(),
                    kind,
                    b.counters.as_entire_binding(),
                    b.populations.as_entire_binding(),
                    b.params.as_entire_binding(),
                    b.stimuli.as_entire_binding(),
                    b.state.as_entire_binding(),
                    b.ring[0].as_entire_binding(),
                    b.spikes.as_entire_binding(),
                    b.bias.as_entire_binding(),
                    b.stream.as_entire_binding(),
                    b.readouts.as_entire_binding(),
                    b.currents.as_entire_binding(),
                    b.gap_current.as_entire_binding(),
                ]
                .into_iter()
                .chain(b.more_ring());
                let invocations = g.info.size * plan.config.n_instances;
                let files = match g.kind {
                    NeuronKind::Custom(i) => {
                        neuron_update_with(custom::generate(&plan.custom_models[i as usize]))
                    }
                    kind => Stage::NeuronUpdate(kind).files(),
                };
                let files = with_ring(files, Stage::NeuronUpdate(g.kind), ring_chunks);
                let files = with_file(files, NeuronFeatures::of(plan, g).file());
                let files = with_file(files, tables.file(&GroupReads::of(plan, g)));
                kernel(&ctx, g.kind.name(), files, resources)
                    .map(|k| (k, grid(invocations.div_ceil(NEURON_WORKGROUP)), g.kind))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let neurons_total = plan.config.n_neurons * plan.config.n_instances;
        let gap_coupling = (plan.config.n_gap > 0)
            .then(|| {
                kernel(
                    &ctx,
                    Stage::GapCoupling.name(),
                    Stage::GapCoupling.files(),
                    [
                        &b.config,
                        &b.state,
                        &b.gap_start,
                        &b.gap_partner,
                        &b.gap_coupling,
                        &b.gap_potential,
                        &b.gap_current,
                        &b.counters,
                    ]
                    .map(|b| b.as_entire_binding()),
                )
                .map(|k| (k, grid(neurons_total.div_ceil(NEURON_WORKGROUP))))
            })
            .transpose()?;
        let propagate_prepare = kernel(
            &ctx,
            Stage::PropagatePrepare.name(),
            Stage::PropagatePrepare.files(),
            [
                &b.counters,
                &b.dispatch,
                &b.step_ends,
                &b.config,
                &b.history,
                &b.modulators,
                &b.astrocytes,
            ]
            .map(|b| b.as_entire_binding()),
        )?;
        // One propagate dispatch per synapse chunk of each table (none without stored
        // synapses).
        let stored = (!plan.synapses.is_empty()).then_some(&b.stored);
        let propagate = stored
            .into_iter()
            .chain(b.built.as_ref().filter(|t| t.len() > 0))
            .flat_map(|table| (0..table.ranges.len()).map(move |c| (table, c)))
            .map(|(table, c)| {
                let resources = [
                    b.config.as_entire_binding(),
                    b.counters.as_entire_binding(),
                    b.spikes.as_entire_binding(),
                    table.row_start.as_entire_binding(),
                    table.target_delay[c].as_entire_binding(),
                    table.weight[c].as_entire_binding(),
                    b.ring[0].as_entire_binding(),
                    table.chunk(c),
                ]
                .into_iter()
                .chain(b.more_ring());
                kernel(
                    &ctx,
                    Stage::Propagate.name(),
                    with_ring(Stage::Propagate.files(), Stage::Propagate, ring_chunks),
                    resources,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let propagate_procedural = plan
            .regenerates_rows()
            .then(|| {
                kernel(
                    &ctx,
                    Stage::PropagateProcedural.name(),
                    with_file(
                        with_ring(
                            Stage::PropagateProcedural.files(),
                            Stage::PropagateProcedural,
                            ring_chunks,
                        ),
                        Stage::PropagateProcedural
                            .procedural_table(procedural_space(plan, max_uniform)),
                    ),
                    [
                        &b.config,
                        &b.counters,
                        &b.spikes,
                        &b.procedural,
                        &b.row_lengths,
                        &b.ring[0],
                    ]
                    .map(|b| b.as_entire_binding())
                    .into_iter()
                    .chain(b.more_ring()),
                )
            })
            .transpose()?;
        let propagate_plastic = plan
            .walks_plastic_rows()
            .then(|| {
                kernel(
                    &ctx,
                    Stage::PropagatePlastic.name(),
                    with_ring(
                        plastic_files(Stage::PropagatePlastic, plan, rules),
                        Stage::PropagatePlastic,
                        ring_chunks,
                    ),
                    [
                        &b.config,
                        &b.counters,
                        &b.spikes,
                        &b.plastic_row_start,
                        &b.plastic_synapse,
                        &b.plastic_rules,
                        &b.rule_params,
                        &b.plastic_state,
                        &b.ring[0],
                        &b.history,
                        &b.modulators,
                        &b.astrocytes,
                    ]
                    .map(|b| b.as_entire_binding())
                    .into_iter()
                    .chain(b.more_ring()),
                )
            })
            .transpose()?;
        let plastic_post = (plan.config.history_depth > 0)
            .then(|| {
                kernel(
                    &ctx,
                    Stage::PlasticPost.name(),
                    plastic_files(Stage::PlasticPost, plan, rules),
                    [
                        &b.config,
                        &b.counters,
                        &b.history,
                        &b.post_start,
                        &b.post_synapse,
                        &b.plastic_synapse,
                        &b.plastic_rules,
                        &b.rule_params,
                        &b.plastic_state,
                        &b.modulators,
                    ]
                    .map(|b| b.as_entire_binding()),
                )
            })
            .transpose()?;
        // The sweep and the three-factor flush: one invocation per listed synapse and
        // instance, over the same synapse bindings (the sweep also reads the errors).
        let per_synapse = |stage: Stage, invocations: u32, errors: Option<&wgpu::Buffer>| {
            (invocations > 0)
                .then(|| {
                    let buffers = [
                        &b.config,
                        &b.counters,
                        &b.sweep_synapse,
                        &b.plastic_synapse,
                        &b.plastic_rules,
                        &b.rule_params,
                        &b.plastic_state,
                        &b.modulators,
                    ];
                    kernel(
                        &ctx,
                        stage.name(),
                        plastic_files(stage, plan, rules),
                        buffers
                            .into_iter()
                            .chain(errors)
                            .map(|b| b.as_entire_binding()),
                    )
                    .map(|k| (k, grid(invocations.div_ceil(NEURON_WORKGROUP))))
                })
                .transpose()
        };
        let instances = plan.config.n_instances;
        let plastic_sweep = per_synapse(
            Stage::PlasticSweep,
            plan.config.n_sweep * instances,
            Some(&b.errors),
        )?;
        let plastic_flush = per_synapse(
            Stage::PlasticFlush,
            plan.config.n_three_factor * instances,
            None,
        )?;
        let probe = kernel(
            &ctx,
            Stage::Probe.name(),
            Stage::Probe.files(),
            [&b.config, &b.counters, &b.probes, &b.state, &b.probe_out]
                .map(|b| b.as_entire_binding()),
        )?;

        let layout = {
            let counters = 0;
            let step_ends = size_of::<Counters>() as u64;
            let probe_out = step_ends + u64::from(plan.batch_steps) * 4;
            let readouts = probe_out + u64::from(plan.probe_capacity) * 4;
            let record = readouts + plan.readouts_len() as u64 * 4;
            let total = record + u64::from(plan.config.record_capacity) * 4;
            StagingLayout {
                counters,
                step_ends,
                probe_out,
                readouts,
                record,
                total,
            }
        };
        let staging = [0, 1].map(|i| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(if i == 0 { "staging 0" } else { "staging 1" }),
                size: layout.total,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        let engine = Self {
            probe_grid: grid((plan.probes.len() as u32).div_ceil(NEURON_WORKGROUP)),
            ctx,
            plan: plan.clone(),
            buffers,
            ring_chunks,
            neuron_updates,
            gap_coupling,
            propagate_prepare,
            propagate,
            propagate_procedural,
            propagate_plastic,
            plastic_post,
            plastic_sweep,
            plastic_flush,
            probe,
            staging,
            layout,
            readback: Duration::ZERO,
            device_build,
            batch_len: std::cell::Cell::new(None),
            submitted_end: std::cell::Cell::new(None),
            batch_readouts: None,
        };
        engine.ctx.check()?;
        Ok(engine)
    }

    /// Records and submits one batch; its outputs go to staging buffer `staging`.
    #[tracing::instrument(name = "submit_batch", skip(self, profiler))]
    fn submit_batch(
        &self,
        first_step: u64,
        steps: u32,
        tables: &(Vec<u32>, Vec<u32>),
        staging: usize,
        mut profiler: Option<&mut Profiler>,
    ) -> wgpu::SubmissionIndex {
        let mut encoder = self.begin_batch(tables, steps);
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("steps"),
                timestamp_writes: None,
            });
            if let Some(p) = profiler.as_deref_mut() {
                pass.write_timestamp(&p.queries, 0);
            }
            for step in self.window_starts(first_step, steps) {
                for (kernel, launch, kind) in self.launches(step) {
                    dispatch(&mut pass, kernel, launch, &self.buffers.dispatch);
                    if let Some(p) = profiler.as_deref_mut() {
                        pass.write_timestamp(&p.queries, p.kinds.len() as u32 + 1);
                        p.kinds.push(kind);
                    }
                }
            }
        }
        if let Some(p) = profiler {
            let count = p.kinds.len() as u32 + 1;
            encoder.resolve_query_set(&p.queries, 0..count, &p.resolve, 0);
            encoder.copy_buffer_to_buffer(&p.resolve, 0, &p.readback, 0, u64::from(count) * 8);
        }
        self.finish_batch(encoder, staging, first_step, steps)
    }

    /// Runs one batch with every dispatch in a submission of its own, waited for and
    /// timed on the host; the batch's outputs go to staging buffer `staging`.
    fn submit_batch_host_timed(
        &self,
        first_step: u64,
        steps: u32,
        tables: &(Vec<u32>, Vec<u32>),
        staging: usize,
        totals: &mut Vec<KernelTime>,
    ) -> Result<wgpu::SubmissionIndex, Error> {
        self.ctx
            .queue
            .submit([self.begin_batch(tables, steps).finish()]);
        for step in self.window_starts(first_step, steps) {
            for (kernel, launch, kind) in self.launches(step) {
                let mut encoder = self.encoder("timed dispatch");
                {
                    let mut pass = encoder.begin_compute_pass(&Default::default());
                    dispatch(&mut pass, kernel, launch, &self.buffers.dispatch);
                }
                let start = Instant::now();
                let submission = self.ctx.queue.submit([encoder.finish()]);
                self.ctx.wait(submission)?;
                KernelTime::add(totals, kind, start.elapsed().as_secs_f64() * 1e9);
            }
        }
        Ok(self.finish_batch(self.encoder("batch outputs"), staging, first_step, steps))
    }

    fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Writes the batch's streamed events and currents (`tables`, queued before the
    /// batch's commands, after the previous batch's) and starts the batch's encoder,
    /// its recording count and step index cleared on the device (a host write costs a
    /// staging upload, paid by every closed-loop call). With several steps per
    /// dispatch the kernels also need the batch's length: written only when it
    /// differs from the last batch's, as full batches and repeated `run_until` calls
    /// of one length do not.
    fn begin_batch(&self, tables: &(Vec<u32>, Vec<u32>), steps: u32) -> wgpu::CommandEncoder {
        let b = &self.buffers;
        for (buffer, table) in [(&b.stream, &tables.0), (&b.currents, &tables.1)] {
            if !table.is_empty() {
                self.ctx
                    .queue
                    .write_buffer(buffer, 0, bytemuck::cast_slice(table));
            }
        }
        if self.plan.config.window_steps > 1 && self.batch_len.get() != Some(steps) {
            let at = std::mem::offset_of!(Counters, batch_len) as u64;
            self.ctx
                .queue
                .write_buffer(&b.counters, at, bytemuck::bytes_of(&steps));
            self.batch_len.set(Some(steps));
        }
        let mut encoder = self.encoder("batch");
        let record_count = std::mem::offset_of!(Counters, record_count) as u64;
        const _: () = assert!(
            std::mem::offset_of!(Counters, batch_step)
                == std::mem::offset_of!(Counters, record_count) + 4
        );
        encoder.clear_buffer(&b.counters, record_count, Some(8));
        encoder
    }

    /// The first steps of the batch's windows (`plan::window`).
    fn window_starts(&self, first_step: u64, steps: u32) -> impl Iterator<Item = u64> {
        window_starts(first_step, steps, self.plan.config.window_steps)
    }

    /// Copies the outputs of the batch of `steps` from `first_step` (its readouts
    /// included: a closed-loop call then reads them without a download of its own)
    /// to staging buffer `staging` and submits `encoder`.
    fn finish_batch(
        &self,
        mut encoder: wgpu::CommandEncoder,
        staging: usize,
        first_step: u64,
        steps: u32,
    ) -> wgpu::SubmissionIndex {
        let b = &self.buffers;
        let l = self.layout;
        let out = &self.staging[staging];
        let counters_bytes = size_of::<Counters>() as u64;
        encoder.copy_buffer_to_buffer(&b.counters, 0, out, l.counters, counters_bytes);
        encoder.copy_buffer_to_buffer(&b.step_ends, 0, out, l.step_ends, l.probe_out - l.step_ends);
        for (buffer, from, to) in [
            (&b.probe_out, l.probe_out, l.readouts),
            (&b.readouts, l.readouts, l.record),
        ] {
            if to > from {
                encoder.copy_buffer_to_buffer(buffer, 0, out, from, to - from);
            }
        }
        self.submitted_end.set(Some(first_step + u64::from(steps)));
        let record_bytes = self.record_bytes(steps);
        if record_bytes > 0 {
            // The recording follows the window's spike list in the spikes buffer.
            let record_start = self.plan.spike_list_len() * 4;
            encoder.copy_buffer_to_buffer(&b.spikes, record_start, out, l.record, record_bytes);
        }
        self.ctx.queue.submit([encoder.finish()])
    }

    /// Bytes of the recording a batch of `steps` steps can fill: the capacity holds
    /// every recorded neuron spiking in every step of a full batch, and a neuron
    /// spikes at most once a step.
    fn record_bytes(&self, steps: u32) -> u64 {
        let capacity = u64::from(self.plan.config.record_capacity);
        let per_step = capacity.div_ceil(u64::from(self.plan.batch_steps));
        (per_step * u64::from(steps)).min(capacity) * 4
    }

    /// The dispatches of one step, in order.
    fn launches(&self, step: u64) -> impl Iterator<Item = (&Kernel, Launch, KernelKind)> {
        let gap = self
            .gap_coupling
            .as_ref()
            .map(|(k, (x, y))| (k, Launch::Direct(*x, *y), KernelKind::GapCoupling));
        let neurons = self.neuron_updates.iter().map(|(kernel, (x, y), kind)| {
            (
                kernel,
                Launch::Direct(*x, *y),
                KernelKind::NeuronUpdate(*kind),
            )
        });
        let prepare = (
            &self.propagate_prepare,
            Launch::Direct(1, 1),
            KernelKind::PropagatePrepare,
        );
        // The postsynaptic walk of step t applies the events at t before any
        // presynaptic one (NEST's order at equal times).
        let post = self
            .plastic_post
            .as_ref()
            .map(|k| (k, Launch::Indirect(POST_WALK), KernelKind::PlasticPost));
        let stored = self
            .propagate
            .iter()
            .map(|k| (k, Launch::Indirect(PROPAGATION), KernelKind::Propagate));
        let procedural = self.propagate_procedural.as_ref().map(|k| {
            (
                k,
                Launch::Indirect(PROPAGATION),
                KernelKind::PropagateProcedural,
            )
        });
        let plastic = self.propagate_plastic.as_ref().map(|k| {
            (
                k,
                Launch::Indirect(PROPAGATION),
                KernelKind::PropagatePlastic,
            )
        });
        let sweep = self
            .plastic_sweep
            .as_ref()
            .map(|(k, (x, y))| (k, Launch::Direct(*x, *y), KernelKind::PlasticSweep));
        // Three-factor synapses brought up to date at the end of every
        // FLUSH_STEPS-th step, whatever the batches (the CPU twin flushes alike).
        let flush = self
            .plastic_flush
            .as_ref()
            .filter(|_| flushes_after(step))
            .map(|(k, (x, y))| (k, Launch::Direct(*x, *y), KernelKind::PlasticFlush));
        let probe = probes_sample_at(&self.plan, step).then_some((
            &self.probe,
            Launch::Direct(self.probe_grid.0, self.probe_grid.1),
            KernelKind::Probe,
        ));
        gap.into_iter()
            .chain(neurons)
            .chain([prepare])
            .chain(post)
            .chain(stored)
            .chain(procedural)
            .chain(plastic)
            .chain(sweep)
            .chain(flush)
            .chain(probe)
    }

    /// Profiles with a timestamp after every dispatch, in batches short enough for one
    /// query set.
    fn profile_timestamps(
        &mut self,
        first_step: u64,
        steps: u64,
        input: &mut StreamedInput,
        sink: &mut BatchSink<'_>,
    ) -> Result<KernelProfile, Error> {
        let device = &self.ctx.device;
        let mut profiler = Profiler {
            queries: device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("profile"),
                ty: wgpu::QueryType::Timestamp,
                count: MAX_QUERIES,
            }),
            resolve: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("profile resolve"),
                size: u64::from(MAX_QUERIES) * 8,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            readback: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("profile readback"),
                size: u64::from(MAX_QUERIES) * 8,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            kinds: Vec::new(),
        };
        // Every step stamps once per dispatch: at most gap coupling, the neuron
        // kernels, prepare, propagate per chunk, procedural and plastic propagation,
        // the postsynaptic walk, the sweep, the three-factor flush and probe
        // (`launches`).
        let per_step = (self.neuron_updates.len() + self.propagate.len()) as u32 + 8;
        let batch = ((MAX_QUERIES - 1) / per_step).min(self.plan.batch_steps);
        let period_ns = f64::from(self.ctx.queue.get_timestamp_period());
        let mut kernels = Vec::new();
        let mut passes = 0;
        for (first, len, tables) in batches(first_step, steps, batch, input) {
            profiler.kinds.clear();
            let submission = self.submit_batch(first, len, &tables, 0, Some(&mut profiler));
            passes += 1;
            self.read_back(
                InFlight {
                    staging: 0,
                    submission: submission.clone(),
                    first_step: first,
                    steps: len,
                },
                sink,
            )?;
            let stamps: Vec<u64> = bytemuck::pod_collect_to_vec(
                &self.ctx.read_mapped(&profiler.readback, submission)?,
            );
            for (k, &kind) in profiler.kinds.iter().enumerate() {
                let ns = stamps[k + 1].saturating_sub(stamps[k]) as f64 * period_ns;
                KernelTime::add(&mut kernels, kind, ns);
            }
        }
        Ok(KernelProfile {
            timestamps: true,
            host_sync_ns: None,
            kernels,
            passes,
        })
    }

    /// Profiles on the host clock: every dispatch submitted alone and waited for.
    fn profile_host(
        &mut self,
        first_step: u64,
        steps: u64,
        input: &mut StreamedInput,
        sink: &mut BatchSink<'_>,
    ) -> Result<KernelProfile, Error> {
        // The round trip every timed call includes: the median of a few empty submissions.
        let mut empty: Vec<f64> = (0..9)
            .map(|_| {
                let start = Instant::now();
                let submission = self.ctx.queue.submit([self.encoder("empty").finish()]);
                self.ctx.wait(submission)?;
                Ok(start.elapsed().as_secs_f64() * 1e9)
            })
            .collect::<Result<_, Error>>()?;
        empty.sort_by(f64::total_cmp);
        let mut kernels: Vec<KernelTime> = Vec::new();
        for (first, len, tables) in batches(first_step, steps, self.plan.batch_steps, input) {
            let submission = self.submit_batch_host_timed(first, len, &tables, 0, &mut kernels)?;
            self.read_back(
                InFlight {
                    staging: 0,
                    submission,
                    first_step: first,
                    steps: len,
                },
                sink,
            )?;
        }
        Ok(KernelProfile {
            timestamps: false,
            host_sync_ns: Some(empty[empty.len() / 2]),
            // One pass per dispatch.
            passes: kernels.iter().map(|t| t.calls).sum(),
            kernels,
        })
    }

    /// Waits for a submitted batch and hands its outputs to `sink`.
    #[tracing::instrument(name = "read_back", skip_all, fields(first_step = batch.first_step))]
    fn read_back(&mut self, batch: InFlight, sink: &mut BatchSink<'_>) -> Result<(), Error> {
        let staging = &self.staging[batch.staging];
        let l = self.layout;
        let filled = l.record + self.record_bytes(batch.steps);
        // One wait, which also completes the mapping; the readback time is the copy.
        let mapping = GpuContext::map_prefix(staging, filled);
        self.ctx.wait(batch.submission)?;
        let start = Instant::now();
        let bytes = GpuContext::take_mapped(staging, filled, mapping)?;
        let words = |from: u64, to: u64| -> &[u8] { &bytes[from as usize..to as usize] };
        let counters: Counters = bytemuck::pod_read_unaligned(words(l.counters, l.step_ends));
        let step_ends: Vec<u32> = bytemuck::pod_collect_to_vec(words(l.step_ends, l.probe_out));
        let recorded = u64::from(counters.record_count.min(self.plan.config.record_capacity));
        if recorded * 4 > self.record_bytes(batch.steps) {
            // More recorded neurons spiked than exist: a broken plan, not a full buffer.
            return Err(Error::Device(format!(
                "the batch at step {} recorded {recorded} spikes, more than its {} steps can hold",
                batch.first_step, batch.steps
            )));
        }
        let record = bytemuck::pod_collect_to_vec(words(l.record, l.record + recorded * 4));
        let probe_out = bytemuck::pod_collect_to_vec(words(l.probe_out, l.readouts));
        self.batch_readouts = Some((
            batch.first_step + u64::from(batch.steps),
            bytemuck::pod_collect_to_vec(words(l.readouts, l.record)),
        ));
        let result = sink(BatchOutput {
            first_step: batch.first_step,
            steps: batch.steps,
            counters,
            step_ends: step_ends[..batch.steps as usize].to_vec(),
            record,
            probe_out,
        });
        self.readback += start.elapsed();
        result
    }

    /// Copies a whole device buffer to the host (after all submitted work).
    /// The whole input ring, its chunks concatenated.
    fn download_ring(&self) -> Result<Vec<i32>, Error> {
        let mut ring = Vec::with_capacity(self.plan.ring_len() as usize);
        for (k, chunk) in self.buffers.ring.iter().enumerate() {
            let words = self.ring_chunks.len_of(k as u32, self.plan.ring_len()) as usize;
            ring.extend(bytemuck::pod_collect_to_vec::<u8, i32>(
                &self.download(chunk)?[..words * 4],
            ));
        }
        Ok(ring)
    }

    fn download(&self, source: &wgpu::Buffer) -> Result<Vec<u8>, Error> {
        let staging = self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("download"),
            size: source.size(),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("download"),
            });
        encoder.copy_buffer_to_buffer(source, 0, &staging, 0, source.size());
        let submission = self.ctx.queue.submit([encoder.finish()]);
        self.ctx.read_mapped(&staging, submission)
    }
}

impl Engine for GpuEngine {
    fn run(
        &mut self,
        first_step: u64,
        steps: u64,
        input: &mut StreamedInput,
        sink: &mut BatchSink<'_>,
    ) -> Result<(), Error> {
        let mut in_flight: Option<InFlight> = None;
        let plan_batches = batches(first_step, steps, self.plan.batch_steps, input);
        for (i, (first, len, tables)) in plan_batches.enumerate() {
            let staging = i % 2;
            let submission = self.submit_batch(first, len, &tables, staging, None);
            if let Some(previous) = in_flight.take() {
                self.read_back(previous, sink)?;
            }
            in_flight = Some(InFlight {
                staging,
                submission,
                first_step: first,
                steps: len,
            });
        }
        if let Some(last) = in_flight {
            self.read_back(last, sink)?;
        }
        self.ctx.check()
    }

    fn profile(
        &mut self,
        first_step: u64,
        steps: u64,
        timing: KernelTiming,
        input: &mut StreamedInput,
        sink: &mut BatchSink<'_>,
    ) -> Result<Option<KernelProfile>, Error> {
        let needed =
            wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES;
        let timestamps =
            timing == KernelTiming::Auto && self.ctx.device.features().contains(needed);
        let profile = if timestamps {
            self.profile_timestamps(first_step, steps, input, sink)?
        } else {
            self.profile_host(first_step, steps, input, sink)?
        };
        self.ctx.check()?;
        Ok(Some(profile))
    }

    fn copy_bandwidth(&mut self) -> Result<Option<f64>, Error> {
        // Large enough that the copy, not the submission, dominates.
        const COPY_BYTES: u64 = 256 << 20;
        const REPEATS: u32 = 4;
        let size = COPY_BYTES.min(self.ctx.limits.max_buffer_size) & !3;
        let buffer = |label| {
            self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage: wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let (from, to) = (buffer("copy source"), buffer("copy target"));
        let copies = |count: u32| {
            let mut encoder = self.encoder("copy bandwidth");
            for _ in 0..count {
                encoder.copy_buffer_to_buffer(&from, 0, &to, 0, size);
            }
            self.ctx.queue.submit([encoder.finish()])
        };
        // The first copy also pages the buffers in.
        self.ctx.wait(copies(1))?;
        // Copies per submission until one takes 50 ms (a fast device copies 256 MiB
        // in well under a millisecond, where the submission and the wait would count),
        // then the best of three such: the device at its clock, not the host's delays.
        let mut count = REPEATS;
        let timed = |count: u32| -> Result<f64, Error> {
            let start = Instant::now();
            self.ctx.wait(copies(count))?;
            Ok(start.elapsed().as_secs_f64())
        };
        while count < 1024 && timed(count)? < 0.05 {
            count *= 4;
        }
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            best = best.min(timed(count)? / f64::from(count));
        }
        self.ctx.check()?;
        Ok(Some(2.0 * size as f64 / best))
    }

    fn readback_time(&self) -> Duration {
        self.readback
    }

    fn device_build_time(&self) -> Duration {
        self.device_build
    }

    fn built_row_start(&mut self) -> Result<Vec<u32>, Error> {
        let Some(table) = &self.buffers.built else {
            return Ok(Vec::new());
        };
        let bytes = self.download(&table.row_start)?;
        let rows = self.plan.built.rows as usize + 1;
        Ok(bytemuck::pod_collect_to_vec(&bytes[..rows * 4]))
    }

    fn snapshot(&mut self) -> Result<Snapshot, Error> {
        let readouts = self.read_readouts()?;
        let b = &self.buffers;
        let words = |bytes: Vec<u8>, len: usize| bytes[..len * 4].to_vec();
        let n = self.plan.neuron_slots();
        Ok(Snapshot {
            counters: bytemuck::pod_read_unaligned(
                &self.download(&b.counters)?[..size_of::<Counters>()],
            ),
            state: bytemuck::pod_collect_to_vec(&words(
                self.download(&b.state)?,
                self.plan.initial_state.len(),
            )),
            bias: if self.plan.has_intrinsic_plasticity() {
                bytemuck::pod_collect_to_vec(&words(self.download(&b.bias)?, n))
            } else {
                vec![0.0; n]
            },
            ring: self.download_ring()?,
            syn_state: bytemuck::pod_collect_to_vec(&words(
                self.download(&b.plastic_state)?,
                self.plan.plastic_state_len(),
            )),
            history: bytemuck::pod_collect_to_vec(&words(
                self.download(&b.history)?,
                self.plan.history_len() as usize,
            )),
            modulators: bytemuck::pod_collect_to_vec(&words(
                self.download(&b.modulators)?,
                self.plan.modulators_len(),
            )),
            readouts,
            errors: {
                let len = self.plan.errors_len();
                if len == 0 {
                    Vec::new()
                } else {
                    bytemuck::pod_collect_to_vec(&self.download(&b.errors)?[..len * 4])
                }
            },
            events: Vec::new(),
            currents: Vec::new(),
            readout_window: Vec::new(),
        })
    }

    fn restore(&mut self, snapshot: &Snapshot) -> Result<(), Error> {
        // The counters come from the snapshot: the next batch writes its length.
        self.batch_len.set(None);
        let b = &self.buffers;
        let queue = &self.ctx.queue;
        queue.write_buffer(&b.counters, 0, bytes_of(&snapshot.counters));
        queue.write_buffer(&b.state, 0, cast(&snapshot.state));
        if self.plan.has_intrinsic_plasticity() {
            queue.write_buffer(&b.bias, 0, cast(&snapshot.bias));
        }
        for (chunk, words) in b
            .ring
            .iter()
            .zip(snapshot.ring.chunks(self.ring_chunks.words as usize))
        {
            queue.write_buffer(chunk, 0, cast(words));
        }
        queue.write_buffer(&b.plastic_state, 0, cast(&snapshot.syn_state));
        queue.write_buffer(&b.history, 0, cast(&snapshot.history));
        queue.write_buffer(&b.modulators, 0, cast(&snapshot.modulators));
        queue.write_buffer(&b.readouts, 0, cast(&snapshot.readouts));
        self.batch_readouts = None;
        queue.write_buffer(&b.errors, 0, cast(&snapshot.errors));
        queue.submit([]);
        self.ctx.check()
    }

    fn read_state(&mut self) -> Result<Vec<f32>, Error> {
        let bytes = self.download(&self.buffers.state)?;
        let len = self.plan.initial_state.len();
        Ok(bytemuck::pod_collect_to_vec(&bytes[..len * 4]))
    }

    fn read_plastic_state(&mut self) -> Result<Vec<u32>, Error> {
        let bytes = self.download(&self.buffers.plastic_state)?;
        let len = self.plan.plastic_state_len();
        Ok(bytemuck::pod_collect_to_vec(&bytes[..len * 4]))
    }

    fn write_plastic_state(&mut self, words: &[u32]) -> Result<(), Error> {
        self.ctx
            .queue
            .write_buffer(&self.buffers.plastic_state, 0, cast(words));
        self.ctx.queue.submit([]);
        self.ctx.check()
    }

    fn read_modulators(&mut self) -> Result<Vec<u32>, Error> {
        let bytes = self.download(&self.buffers.modulators)?;
        let len = self.plan.modulators_len();
        Ok(bytemuck::pod_collect_to_vec(&bytes[..len * 4]))
    }

    fn write_modulators(&mut self, words: &[u32]) -> Result<(), Error> {
        self.ctx
            .queue
            .write_buffer(&self.buffers.modulators, 0, cast(words));
        self.ctx.queue.submit([]);
        self.ctx.check()
    }

    fn read_ring(&mut self) -> Result<Vec<i32>, Error> {
        self.download_ring()
    }

    fn write_errors(&mut self, at: usize, values: &[f32]) -> Result<(), Error> {
        self.ctx
            .queue
            .write_buffer(&self.buffers.errors, at as u64 * 4, cast(values));
        self.ctx.queue.submit([]);
        self.ctx.check()
    }

    fn read_readouts(&mut self) -> Result<Vec<u32>, Error> {
        let len = self.plan.readouts_len();
        if len == 0 {
            return Ok(Vec::new());
        }
        // The last batch brought them back with its outputs, unless a restore
        // rewrote them since.
        if let Some((end, words)) = &self.batch_readouts {
            if Some(*end) == self.submitted_end.get() {
                return Ok(words.clone());
            }
        }
        let bytes = self.download(&self.buffers.readouts)?;
        Ok(bytemuck::pod_collect_to_vec(&bytes[..len * 4]))
    }

    fn wgpu(&self) -> Option<(wgpu::Device, wgpu::Queue)> {
        Some((self.ctx.device.clone(), self.ctx.queue.clone()))
    }

    fn describe(&self) -> String {
        self.ctx.description.clone()
    }
}

/// A plasticity stage's files with the plan's custom rules spliced in and its table of
/// rules declared in `rules`.
pub(super) fn plastic_files(stage: Stage, plan: &Plan, rules: TableSpace) -> Vec<ShaderFile> {
    with_file(stage.files(), stage.rule_table(rules))
        .into_iter()
        .flat_map(|f| {
            if f.path == PLASTICITY_CUSTOM.path && !plan.custom_rules.is_empty() {
                custom_rule::generate(&plan.custom_rules, plan.dt_ms)
            } else {
                vec![f]
            }
        })
        .collect()
}

/// `files` with the stage's ring file generated for `chunks`.
fn with_ring(files: Vec<ShaderFile>, stage: Stage, chunks: RingChunks) -> Vec<ShaderFile> {
    with_file(files, stage.ring(chunks))
}

/// `files` with the generated file of the same name replaced by `generated`.
pub(super) fn with_file(files: Vec<ShaderFile>, generated: ShaderFile) -> Vec<ShaderFile> {
    files
        .into_iter()
        .map(|f| {
            if f.path == generated.path {
                generated.clone()
            } else {
                f
            }
        })
        .collect()
}

/// Refuses, before any allocation, buffers that need more than the device's memory
/// (where it is known); `advice` says what would make them fit.
pub(crate) fn check_memory(
    report: &MemoryReport,
    ctx: &GpuContext,
    advice: impl FnOnce() -> String,
) -> Result<(), Error> {
    let Some(available) = ctx.memory else {
        return Ok(());
    };
    let needed = report.total();
    if needed <= available {
        return Ok(());
    }
    Err(Error::OutOfMemory(Box::new(MemoryShortfall {
        needed: format_bytes(needed),
        estimate: if report.exact {
            ""
        } else {
            " (estimated before drawing the synapses)"
        },
        available: format_bytes(available),
        adapter: ctx.description.clone(),
        largest: report.largest(3),
        advice: advice(),
    })))
}

/// Refuses, before any allocation, a plan whose buffers exceed the device's limits.
fn check_limits(plan: &Plan, ctx: &GpuContext) -> Result<(), Error> {
    let mut largest: Vec<_> = plan.buffers.iter().collect();
    largest.sort_by_key(|b| std::cmp::Reverse(b.bytes));
    let largest = largest
        .iter()
        .take(3)
        .map(|b| format!("{} {} bytes ({})", b.name, b.bytes, b.purpose))
        .collect::<Vec<_>>()
        .join(", ");
    let limits = [
        (ctx.limits.max_buffer_size, "max_buffer_size"),
        (
            ctx.limits.max_storage_buffer_binding_size,
            "max_storage_buffer_binding_size",
        ),
    ];
    for (limit, limit_name) in limits {
        if let Some(b) = crate::plan::memory::over_binding(&plan.buffers, limit) {
            return Err(Error::TooLarge {
                buffer: b.name,
                bytes: b.bytes,
                limit,
                limit_name,
                adapter: ctx.description.clone(),
                largest,
            });
        }
    }
    Ok(())
}

/// Validates a stage with naga (errors at the shader file's line and column), then
/// builds its pipeline with the layout reflected from the shader and binds
/// `resources` at bindings 0, 1, 2, … in order.
fn kernel<'a>(
    ctx: &GpuContext,
    label: &str,
    files: Vec<ShaderFile>,
    resources: impl IntoIterator<Item = wgpu::BindingResource<'a>>,
) -> Result<Kernel, Error> {
    let (pipeline, used) = pipeline(ctx, label, files)?;
    let bind_group = bind(ctx, label, &pipeline, &used, resources)?;
    Ok(Kernel {
        pipeline,
        bind_group,
    })
}

/// A stage's pipeline, validated with naga, and the bindings its `main` uses.
pub(super) fn pipeline(
    ctx: &GpuContext,
    label: &str,
    files: Vec<ShaderFile>,
) -> Result<(wgpu::ComputePipeline, Vec<u32>), Error> {
    // The random generator's 64-bit multiply in one instruction where the device has
    // 64-bit integers (the same bits as the 32-bit form).
    let int64 = ctx.device.features().contains(wgpu::Features::SHADER_INT64);
    // The loop-limit check only where the driver cuts loops short.
    let unlimited = !super::device::cuts_long_loops(&ctx.info);
    let assembled = AssembledShader::new(files.into_iter().map(|f| {
        if int64 && f.path == MUL_HI.path {
            MUL_HI_INT64
        } else if unlimited && f.path == LOOP_LIMIT.path {
            LOOP_LIMIT_NONE
        } else {
            f
        }
    }));
    let assembled = super::shader_hooks::stage_module(label, assembled)?;
    // A model may leave some of the stage's bindings unused (a parrot reads no
    // parameters); the layout reflected from the shader then lacks them.
    let used = assembled.used_bindings()?;
    let module = ctx
        .device
        .create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(assembled.source.into()),
        });
    let pipeline = ctx
        .device
        .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(label),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions::default(),
            cache: None,
        });
    Ok((pipeline, used))
}

/// Binds `resources` at bindings 0, 1, 2, … of `pipeline` (those in `used`).
pub(super) fn bind<'a>(
    ctx: &GpuContext,
    label: &str,
    pipeline: &wgpu::ComputePipeline,
    used: &[u32],
    resources: impl IntoIterator<Item = wgpu::BindingResource<'a>>,
) -> Result<wgpu::BindGroup, Error> {
    let entries: Vec<_> = resources
        .into_iter()
        .enumerate()
        .map(|(i, resource)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource,
        })
        .filter(|entry| used.contains(&entry.binding))
        .collect();
    let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    });
    ctx.check()?;
    Ok(bind_group)
}

/// Records one dispatch of `kernel`.
fn dispatch(
    pass: &mut wgpu::ComputePass<'_>,
    kernel: &Kernel,
    launch: Launch,
    indirect: &wgpu::Buffer,
) {
    pass.set_pipeline(&kernel.pipeline);
    pass.set_bind_group(0, &kernel.bind_group, &[]);
    match launch {
        Launch::Direct(x, y) => pass.dispatch_workgroups(x, y, 1),
        Launch::Indirect(k) => pass.dispatch_workgroups_indirect(
            indirect,
            k * size_of::<crate::plan::layout::DispatchArgs>() as u64,
        ),
    }
}

fn bytes_of<T: Pod>(value: &T) -> &[u8] {
    bytemuck::bytes_of(value)
}

fn cast<T: Pod>(values: &[T]) -> &[u8] {
    bytemuck::cast_slice(values)
}
