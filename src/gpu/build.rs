//! Building the synapses of projections built on the device (`Plan::built`):
//! build_count counts each row part's synapses, a batch of rows at a time; the host
//! places the parts (`plan::place_parts`, as the CPU reference does), checks the
//! exact size against the device's memory and allocates the table; build_fill then
//! writes every synapse, one dispatch per (batch, chunk) over the rows that reach
//! into the chunk. The host draws none of these synapses (for fixed total number,
//! only the row lengths, in the plan).

use wgpu::util::DeviceExt;

use super::device::GpuContext;
use super::engine::{bind, check_memory, pipeline, with_file};
use super::shaders::Stage;
use super::table::{binding_bytes, TableBuffers, STORAGE};
use super::uniform_tables::{procedural_space, uniform_budget};
use crate::error::Error;
use crate::plan::layout::{grid, BuildPass, PROPAGATE_WORKGROUP};
use crate::plan::memory::MemoryReport;
use crate::plan::{place_parts, Plan, BUILD_BATCH_ROWS};

/// What build_count and build_fill write for a part whose walk the driver cut short
/// (`LOOP_CUT` in shaders/common/loop_limit.wgsl).
const LOOP_CUT: u32 = u32::MAX;

/// The error for `parts` parts of rows a build `stage` walked only in part.
fn cut_short(parts: &[u32], stage: &'static str) -> Result<(), Error> {
    match parts.iter().filter(|&&p| p == LOOP_CUT).count() {
        0 => Ok(()),
        count => Err(Error::LoopLimit {
            count: count as u32,
            during: "while building rows on the device".into(),
            stage,
        }),
    }
}

/// The built table, or `None` where the plan builds nothing. `inputs` are the
/// `config`, `procedural` and `row_lengths` buffers.
pub(super) fn build_on_device(
    ctx: &GpuContext,
    plan: &Plan,
    inputs: [&wgpu::Buffer; 3],
) -> Result<Option<TableBuffers>, Error> {
    let built = &plan.built;
    if built.is_empty() {
        return Ok(None);
    }
    let device = &ctx.device;
    let parts = u64::from(PROPAGATE_WORKGROUP);
    // A batch's part counts fit one storage binding.
    let max_rows = BUILD_BATCH_ROWS.min((binding_bytes(&ctx.limits) / (parts * 4)) as u32);
    let batch_bytes = u64::from(max_rows.min(built.rows)) * parts * 4;
    let part_buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("build_part_counts"),
        size: batch_bytes,
        usage: STORAGE,
        mapped_at_creation: false,
    });
    let staging = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("build_part_counts staging"),
        size: batch_bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let pass = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("build_pass"),
        contents: bytemuck::bytes_of(&BuildPass::default()),
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
    });
    let [config, procedural, row_lengths] = inputs.map(|b| b.as_entire_binding());

    let space = procedural_space(plan, uniform_budget(&ctx.limits));
    let files = |stage: Stage| with_file(stage.files(), stage.procedural_table(space));

    // Counts, a batch at a time, placed as they come back.
    let (count, used) = pipeline(ctx, Stage::BuildCount.name(), files(Stage::BuildCount))?;
    let count_group = bind(
        ctx,
        Stage::BuildCount.name(),
        &count,
        &used,
        [
            config.clone(),
            procedural.clone(),
            row_lengths.clone(),
            part_buffer.as_entire_binding(),
            pass.as_entire_binding(),
        ],
    )?;
    let mut row_start = Vec::with_capacity(built.rows as usize + 1);
    let mut starts = Vec::new();
    let mut total = 0;
    for (first_row, rows) in built.batches(max_rows) {
        let job = BuildPass {
            first_row,
            rows,
            batch_first: first_row,
            ..Default::default()
        };
        ctx.queue.write_buffer(&pass, 0, bytemuck::bytes_of(&job));
        let bytes = u64::from(rows) * parts * 4;
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut cpass = encoder.begin_compute_pass(&Default::default());
            cpass.set_pipeline(&count);
            cpass.set_bind_group(0, &count_group, &[]);
            let (x, y) = grid(rows);
            cpass.dispatch_workgroups(x, y, 1);
        }
        encoder.copy_buffer_to_buffer(&part_buffer, 0, &staging, 0, bytes);
        let submission = ctx.queue.submit([encoder.finish()]);
        let mut counts: Vec<u32> =
            bytemuck::pod_collect_to_vec(&ctx.read_mapped_prefix(&staging, bytes, submission)?);
        cut_short(&counts, "device build's counting")?;
        total = place_parts(&mut counts, total, &mut row_start)?;
        starts.push(counts);
    }
    row_start.push(total as u32);

    // Now the exact size is known: checked before the arrays are allocated.
    let mut report = MemoryReport {
        buffers: plan.buffers.clone(),
        exact: true,
    };
    for b in &mut report.buffers {
        if b.name.starts_with("syn_built_") {
            b.bytes = total * 4;
        }
    }
    check_memory(&report, ctx, || {
        "make the largest projections built on the device procedural \
         (`procedural = true` instead of `built_on_device = true`): their rows are then \
         regenerated at each spike and take no memory"
            .to_string()
    })?;
    let table = TableBuffers::empty(ctx, &row_start, total as usize, built.delay_shift);

    // Every synapse written: per batch, per chunk the rows that reach into it.
    let (fill, used) = pipeline(ctx, Stage::BuildFill.name(), files(Stage::BuildFill))?;
    let fill_groups = (0..table.ranges.len())
        .map(|c| {
            bind(
                ctx,
                Stage::BuildFill.name(),
                &fill,
                &used,
                [
                    config.clone(),
                    procedural.clone(),
                    row_lengths.clone(),
                    part_buffer.as_entire_binding(),
                    pass.as_entire_binding(),
                    table.target_delay[c].as_entire_binding(),
                    table.weight[c].as_entire_binding(),
                ],
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut last = None;
    for ((first_row, rows), part_starts) in built.batches(max_rows).zip(&starts) {
        ctx.queue
            .write_buffer(&part_buffer, 0, bytemuck::cast_slice(part_starts));
        let batch = first_row as usize..(first_row + rows) as usize;
        for (c, &(first, end)) in table.ranges.iter().enumerate() {
            // Rows of the batch with a synapse in [first, end).
            let lo = batch.start + row_start[batch.clone()].partition_point(|&s| s < first);
            let lo = lo.saturating_sub(1).max(batch.start);
            let hi = batch.start + row_start[batch.clone()].partition_point(|&s| s < end);
            if hi <= lo || first == end {
                continue;
            }
            let job = BuildPass {
                first_row: lo as u32,
                rows: (hi - lo) as u32,
                batch_first: first_row,
                first,
                end,
                delay_shift: built.delay_shift,
                _pad: [0; 2],
            };
            ctx.queue.write_buffer(&pass, 0, bytemuck::bytes_of(&job));
            let mut encoder = device.create_command_encoder(&Default::default());
            {
                let mut cpass = encoder.begin_compute_pass(&Default::default());
                cpass.set_pipeline(&fill);
                cpass.set_bind_group(0, &fill_groups[c], &[]);
                let (x, y) = grid(job.rows);
                cpass.dispatch_workgroups(x, y, 1);
            }
            last = Some(ctx.queue.submit([encoder.finish()]));
        }
        // One batch's part starts staged at a time; a part whose walk was cut short
        // left LOOP_CUT in its start.
        if last.take().is_some() {
            let bytes = u64::from(rows) * parts * 4;
            let mut encoder = device.create_command_encoder(&Default::default());
            encoder.copy_buffer_to_buffer(&part_buffer, 0, &staging, 0, bytes);
            let submission = ctx.queue.submit([encoder.finish()]);
            let starts: Vec<u32> =
                bytemuck::pod_collect_to_vec(&ctx.read_mapped_prefix(&staging, bytes, submission)?);
            cut_short(&starts, "device build's filling")?;
        }
    }
    Ok(Some(table))
}
