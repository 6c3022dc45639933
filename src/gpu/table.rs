//! A stored synapse table on the device: its row starts, its synapse arrays in
//! chunks of at most one storage binding each (whole 256-byte blocks, so every chunk
//! starts aligned), and a `SynapseChunk` uniform per chunk. The host-drawn table is
//! uploaded; the table of projections built on the device is allocated empty and
//! filled by build_fill (`gpu::build`).

use wgpu::util::DeviceExt;

use super::device::GpuContext;
use crate::plan::layout::SynapseChunk;
use crate::plan::{SynapseTable, MIN_BUFFER_BYTES};

/// Bytes between two `SynapseChunk`s in the `chunks` buffer (the largest uniform
/// offset alignment WebGPU allows).
pub(super) const CHUNK_SLOT: u64 = 256;

/// Usage of the storage buffers the host writes and reads back.
pub(super) const STORAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

pub(super) struct TableBuffers {
    pub row_start: wgpu::Buffer,
    /// Per chunk: targets and delays, weights, and its synapses (first, end).
    pub target_delay: Vec<wgpu::Buffer>,
    pub weight: Vec<wgpu::Buffer>,
    pub ranges: Vec<(u32, u32)>,
    /// One `SynapseChunk` per chunk, `CHUNK_SLOT` bytes apart.
    pub chunks: wgpu::Buffer,
}

impl TableBuffers {
    /// The host-drawn `table`, uploaded (`row_start_bytes`: the planned size of its
    /// row starts).
    pub fn upload(ctx: &GpuContext, table: &SynapseTable, row_start_bytes: u64) -> Self {
        let mut rows = bytemuck::cast_slice(&table.row_start).to_vec();
        rows.resize(row_start_bytes as usize, 0);
        Self::new(ctx, &rows, table.len(), table.delay_shift, Some(table))
    }

    /// A table of `len` synapses in rows `row_start`, its arrays left for the device
    /// to write.
    pub fn empty(ctx: &GpuContext, row_start: &[u32], len: usize, delay_shift: u32) -> Self {
        Self::new(ctx, bytemuck::cast_slice(row_start), len, delay_shift, None)
    }

    /// Synapses in the table.
    pub fn len(&self) -> u32 {
        self.ranges.last().map_or(0, |r| r.1)
    }

    /// The chunks of `len` synapses, with `contents`' synapses where given (left
    /// for the device to write otherwise).
    fn new(
        ctx: &GpuContext,
        row_start: &[u8],
        len: usize,
        delay_shift: u32,
        contents: Option<&SynapseTable>,
    ) -> Self {
        let per_chunk = chunk_synapses(&ctx.limits);
        let ranges: Vec<(usize, usize)> = (0..len.div_ceil(per_chunk).max(1))
            .map(|c| (c * per_chunk, ((c + 1) * per_chunk).min(len)))
            .collect();
        let mut slots = vec![0u8; ranges.len() * CHUNK_SLOT as usize];
        for (c, &(first, end)) in ranges.iter().enumerate() {
            let chunk = SynapseChunk {
                first: first as u32,
                end: end as u32,
                delay_shift,
                _pad: 0,
            };
            let at = c * CHUNK_SLOT as usize;
            slots[at..at + size_of::<SynapseChunk>()].copy_from_slice(bytemuck::bytes_of(&chunk));
        }
        let device = &ctx.device;
        let init = |name: &'static str, bytes: &[u8], usage| {
            let mut bytes = bytes.to_vec();
            bytes.resize(bytes.len().max(MIN_BUFFER_BYTES as usize), 0);
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(name),
                contents: &bytes,
                usage,
            })
        };
        let chunked = |name: &'static str, words: Option<&[u32]>| -> Vec<wgpu::Buffer> {
            ranges
                .iter()
                .map(|&(first, end)| match words {
                    Some(words) => init(name, bytemuck::cast_slice(&words[first..end]), STORAGE),
                    None => device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some(name),
                        size: ((end - first) as u64 * 4).max(MIN_BUFFER_BYTES),
                        usage: STORAGE,
                        mapped_at_creation: false,
                    }),
                })
                .collect()
        };
        Self {
            row_start: init("row_start", row_start, STORAGE),
            target_delay: chunked("syn_target_delay", contents.map(|t| &t.target_delay[..])),
            weight: chunked(
                "syn_weight",
                contents.map(|t| bytemuck::cast_slice::<i32, u32>(&t.weight)),
            ),
            ranges: ranges
                .iter()
                .map(|&(first, end)| (first as u32, end as u32))
                .collect(),
            chunks: init(
                "chunks",
                &slots,
                wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            ),
        }
    }

    /// Chunk `c`'s `SynapseChunk`, for binding as a uniform.
    pub fn chunk(&self, c: usize) -> wgpu::BindingResource<'_> {
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &self.chunks,
            offset: c as u64 * CHUNK_SLOT,
            size: wgpu::BufferSize::new(size_of::<SynapseChunk>() as u64),
        })
    }
}

/// The most bytes one storage binding may hold on this device.
pub(super) fn binding_bytes(limits: &wgpu::Limits) -> u64 {
    limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
}

/// Synapses per chunk of the synapse arrays: as many 4-byte entries as one storage
/// binding holds, in whole 256-byte blocks so every chunk starts aligned.
fn chunk_synapses(limits: &wgpu::Limits) -> usize {
    ((binding_bytes(limits) / 4) as usize & !63).max(64)
}
