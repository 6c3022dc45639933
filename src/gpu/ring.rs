//! The input ring split over storage bindings: a ring larger than the device's
//! `max_storage_buffer_binding_size` is several buffers of `words` 32-bit words each
//! (the last shorter), bound side by side. The stages that touch the ring get a
//! generated WGSL file declaring its chunks and the one accessor they use, so the
//! flat ring index every stage and the CPU reference compute is unchanged: the
//! chunking is addressing only, not arithmetic.

use super::shaders::ShaderFile;

/// The name of the generated file in error messages and in a stage's file list.
pub const RING_FILE: &str = "generated: input ring chunks";

/// The reach of a row's adds (`Plan::row_reach_bytes`) beyond which a CPU device
/// reads each word before it adds (`RingChunks::for_device`): between the largest
/// reach measured to gain nothing (about 9 MB) and the smallest measured to gain
/// (36 MB).
pub const READ_FIRST_REACH_BYTES: u64 = 16 << 20;

/// How the ring is split, and how propagation adds to it on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingChunks {
    /// Buffers (at least 1).
    pub count: u32,
    /// 32-bit words per buffer but the last.
    pub words: u32,
    /// `ring_add` reads the word before it adds (`RingChunks::for_device`).
    pub read_before_add: bool,
}

impl RingChunks {
    /// One buffer, whatever the ring's length.
    pub const ONE: Self = Self {
        count: 1,
        words: u32::MAX,
        read_before_add: false,
    };

    /// This split, with adds that read the word first on a CPU device whose spikes'
    /// rows reach over more than [`READ_FIRST_REACH_BYTES`] of the ring
    /// (`Plan::row_reach_bytes`). A CPU driver (lavapipe) runs a vector's atomic adds
    /// lane by lane as locked instructions, and each waits for its own cache miss;
    /// plain reads of all lanes first overlap those misses, and the adds then find
    /// their words in cache. Where the adds hit the cache anyway the read is pure
    /// cost. Measured on 2 cores (BENCHMARKS.md): the full-scale microcircuit (rows
    /// reaching over 36 MB) spent 26–28% less time in propagation; at 0.8–9 MB
    /// (Brunel at 10^5 neurons, the microcircuit at scales 0.1 and 0.25) it made no
    /// difference; Brunel at 12,500 neurons (0.1 MB) took 11–24% less without it. A
    /// GPU adds in its L2 and would pay for the extra read.
    pub fn for_device(self, device_type: wgpu::DeviceType, row_reach_bytes: u64) -> Self {
        Self {
            read_before_add: device_type == wgpu::DeviceType::Cpu
                && row_reach_bytes > READ_FIRST_REACH_BYTES,
            ..self
        }
    }

    /// The split of a ring of `len` words over bindings of at most `binding_bytes`.
    pub fn of(len: u64, binding_bytes: u64) -> Self {
        // Whole 256-byte blocks, so every chunk boundary is also a binding-offset
        // boundary should a device want one.
        let words = ((binding_bytes / 4) & !63).clamp(64, u64::from(u32::MAX));
        Self {
            count: len.div_ceil(words).max(1) as u32,
            words: words as u32,
            read_before_add: false,
        }
    }

    /// The words of chunk `k` of a ring of `len` words.
    pub fn len_of(self, k: u32, len: u64) -> u64 {
        let start = u64::from(k) * u64::from(self.words);
        len.saturating_sub(start).min(u64::from(self.words))
    }
}

/// How a stage touches the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingAccess {
    /// Propagation: `ring_add(index, w)` adds atomically and returns the value before.
    Add,
    /// The neuron update: `ring_take(index)` reads a word and clears it.
    Take,
}

/// The stage's ring declarations: chunk 0 at `binding`, chunks 1.. at `extra` and on.
pub fn ring_file(binding: u32, extra: u32, chunks: RingChunks, access: RingAccess) -> ShaderFile {
    let element = match access {
        RingAccess::Add => "atomic<i32>",
        RingAccess::Take => "i32",
    };
    let mut text = String::from(
        "// The input ring, as chunks of RING_CHUNK_WORDS words each (src/gpu/ring.rs).\n",
    );
    text += &format!("const RING_CHUNK_WORDS: u32 = {}u;\n", chunks.words);
    for k in 0..chunks.count {
        let at = if k == 0 { binding } else { extra + k - 1 };
        text += &format!(
            "@group(0) @binding({at}) var<storage, read_write> ring_{k}: array<{element}>;\n"
        );
    }
    let signature = match access {
        RingAccess::Add => "fn ring_add(index: u32, w: i32) -> i32",
        RingAccess::Take => "fn ring_take(index: u32) -> i32",
    };
    let body = |k: u32| match access {
        // `config.zero` (0, but unknown to the compiler) ties the add to the read, so
        // that the read is neither dropped nor moved after it; the sum is unchanged.
        RingAccess::Add if chunks.read_before_add => format!(
            "let before = atomicLoad(&ring_{k}[at]);\n        \
             return atomicAdd(&ring_{k}[at], w + bitcast<i32>(bitcast<u32>(before) & config.zero));"
        ),
        RingAccess::Add => format!("return atomicAdd(&ring_{k}[at], w);"),
        RingAccess::Take => {
            format!("let x = ring_{k}[at];\n        ring_{k}[at] = 0;\n        return x;")
        }
    };
    text += &format!("{signature} {{\n");
    if chunks.count == 1 {
        text += &format!(
            "    let at = index;\n    {}\n}}\n",
            body(0).replace("\n        ", "\n    ")
        );
        return ShaderFile::text(RING_FILE, text);
    }
    text += "    let chunk = index / RING_CHUNK_WORDS;\n";
    text += "    let at = index - chunk * RING_CHUNK_WORDS;\n";
    text += "    switch chunk {\n";
    for k in 0..chunks.count {
        let label = if k + 1 == chunks.count {
            "default".to_string()
        } else {
            format!("case {k}u")
        };
        text += &format!("        {label}: {{\n        {}\n        }}\n", body(k));
    }
    text += "    }\n}\n";
    ShaderFile::text(RING_FILE, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_split_into_whole_blocks_and_the_last_holds_the_rest() {
        let chunks = RingChunks::of(1000, 1024);
        assert_eq!((chunks.count, chunks.words), (4, 256));
        assert_eq!(
            (0..4).map(|k| chunks.len_of(k, 1000)).collect::<Vec<_>>(),
            [256, 256, 256, 232]
        );
        assert_eq!(RingChunks::of(100, 1 << 27).count, 1);
    }

    #[test]
    fn only_a_cpu_device_whose_rows_reach_beyond_the_threshold_reads_first() {
        let reads = |device, reach| RingChunks::ONE.for_device(device, reach).read_before_add;
        assert!(reads(wgpu::DeviceType::Cpu, READ_FIRST_REACH_BYTES + 1));
        assert!(!reads(wgpu::DeviceType::Cpu, READ_FIRST_REACH_BYTES));
        assert!(!reads(wgpu::DeviceType::DiscreteGpu, u64::MAX));
    }
}
