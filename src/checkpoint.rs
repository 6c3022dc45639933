//! Checkpoints: a simulation's whole dynamic state at a batch boundary, saved to a
//! versioned file with a checksum and restored into a new simulation of the same
//! model, which then continues bit-identically. Nothing else needs saving: every
//! random number is a function of (seed, stream, neuron, step), so the step is the
//! generators' whole state.
//!
//! Format (little-endian): `NEURODYN`, version (u32), model hash (u64, FNV-1a of the
//! model's JSON), step (u64), the counters (`Counters`), then state (f32 words, the
//! refractory counters' bits among them), intrinsic-plasticity biases (f32), input ring (i32), plastic synapse state (u32 words:
//! weights and traces), the plasticity spike history (u32) and the rules'
//! neuromodulators (u32 words) as length-prefixed arrays, then an FNV-1a checksum (u64) of everything before it.

use std::io::Write;
use std::path::Path;

use crate::error::Error;
use crate::model::Network;
use crate::plan::layout::Counters;

const MAGIC: &[u8; 8] = b"NEURODYN";
/// Version of the checkpoint format; files of another version are refused. 7: the
/// three-factor rules' modulators are histories (event-driven three-factor synapses);
/// 8: the counters hold the batch's length (several steps per dispatch); 9: they
/// count the window's spikes per step; 10: a neuron's state and refractory counter
/// are one block; 12: they count stages a driver cut short; 13: the model hash leaves
/// out the recorders.
pub const FORMAT_VERSION: u32 = 14;

/// The dynamic state of a simulation between two batches.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub counters: Counters,
    /// Per kernel group, layout `[instance][neuron][word]` in blocks of
    /// `plan::layout::state_words`, as the plan's: each neuron's variables, then its
    /// refractory counter's bits in the block's last word.
    pub state: Vec<f32>,
    /// Intrinsic plasticity's bias current per (instance, neuron).
    pub bias: Vec<f32>,
    pub ring: Vec<i32>,
    /// Plastic synapses, layout `[instance][synapse][word]` (weights and traces).
    pub syn_state: Vec<u32>,
    /// The spike history plasticity's postsynaptic side reads.
    pub history: Vec<u32>,
    /// The three-factor rules' neuromodulators.
    pub modulators: Vec<u32>,
    /// The readouts' spike counts and traces.
    pub readouts: Vec<u32>,
    /// The errors the host set for error-modulated synapses.
    pub errors: Vec<f32>,
    /// Streamed spike events queued for later steps, as (step low, step high, row)
    /// words (the simulation fills them in; engines leave them empty).
    pub events: Vec<u32>,
    /// Streamed currents queued for later steps (`CurrentQueue::to_words`; filled in
    /// by the simulation).
    pub currents: Vec<u32>,
    /// The readouts' current window: its first step (low, high word) and each readout
    /// neuron's count then (filled in by the simulation).
    pub readout_window: Vec<u32>,
}

/// FNV-1a, 64 bits: a checksum and model hash that never changes between versions
/// of Rust or of this crate.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(FNV_OFFSET, bytes)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a continued from `hash` over `bytes`.
fn fnv1a_from(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The hash that ties a checkpoint to its model: of the network's JSON form without
/// its recorders, which say what is read out, not what the state is (a run may
/// resume with other recorders).
pub fn model_hash(network: &Network) -> u64 {
    let unrecorded = Network {
        recorders: Vec::new(),
        ..network.clone()
    };
    let mut hash = Fnv1a(FNV_OFFSET);
    serde_json::to_writer(&mut hash, &unrecorded).expect("a network serialises");
    hash.0
}

/// FNV-1a over the bytes written to it (the JSON is hashed as it is written, never
/// held whole).
struct Fnv1a(u64);

impl Write for Fnv1a {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 = fnv1a_from(self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes `snapshot` at `step` of the model hashed `hash` to `path`, through a
/// temporary file renamed when complete, so `path` is never half-written.
pub fn write(path: &Path, hash: u64, step: u64, snapshot: &Snapshot) -> Result<(), Error> {
    let mut bytes = Vec::with_capacity(
        64 + 4
            * (snapshot.state.len()
                + snapshot.bias.len()
                + snapshot.ring.len()
                + snapshot.syn_state.len()
                + snapshot.history.len()
                + snapshot.modulators.len()
                + snapshot.readouts.len()
                + snapshot.errors.len()
                + snapshot.events.len()
                + snapshot.currents.len()
                + snapshot.readout_window.len()),
    );
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&hash.to_le_bytes());
    bytes.extend_from_slice(&step.to_le_bytes());
    bytes.extend_from_slice(bytemuck::bytes_of(&snapshot.counters));
    let mut array = |words: &[u8]| {
        bytes.extend_from_slice(&(words.len() as u64 / 4).to_le_bytes());
        bytes.extend_from_slice(words);
    };
    array(bytemuck::cast_slice(&snapshot.state));
    array(bytemuck::cast_slice(&snapshot.bias));
    array(bytemuck::cast_slice(&snapshot.ring));
    array(bytemuck::cast_slice(&snapshot.syn_state));
    array(bytemuck::cast_slice(&snapshot.history));
    array(bytemuck::cast_slice(&snapshot.modulators));
    array(bytemuck::cast_slice(&snapshot.readouts));
    array(bytemuck::cast_slice(&snapshot.errors));
    array(bytemuck::cast_slice(&snapshot.events));
    array(bytemuck::cast_slice(&snapshot.currents));
    array(bytemuck::cast_slice(&snapshot.readout_window));
    let checksum = fnv1a(&bytes);
    bytes.extend_from_slice(&checksum.to_le_bytes());

    let fail = |e: std::io::Error| Error::Checkpoint {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let partial = path.with_extension("partial");
    let written = std::fs::File::create(&partial)
        .and_then(|mut file| {
            file.write_all(&bytes)?;
            file.sync_all()
        })
        .map_err(|e| {
            // The file that failed is the temporary one: say so, or a directory
            // in its way reads as a fault of the checkpoint's own name.
            fail(std::io::Error::new(
                e.kind(),
                format!("writing {}: {e}", partial.display()),
            ))
        });
    if written.is_err() {
        // Nothing half-written is left behind.
        if partial.is_file() {
            let _ = std::fs::remove_file(&partial);
        }
        return written;
    }
    std::fs::rename(&partial, path).map_err(|e| {
        // Nothing half-done is left behind: the complete temporary file goes too.
        let _ = std::fs::remove_file(&partial);
        fail(e)
    })
}

/// Opens a checkpoint to read, refusing anything but a regular file: a device such
/// as /dev/zero never ends, a pipe may never answer.
fn open_regular(path: &Path) -> Result<std::fs::File, Error> {
    let refuse = |reason: String| Error::CheckpointRefused {
        path: path.display().to_string(),
        reason,
    };
    // Looked at before opening: opening a pipe waits for its writer.
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => std::fs::File::open(path).map_err(|e| refuse(e.to_string())),
        Ok(_) => Err(refuse("not a regular file".into())),
        Err(e) => Err(refuse(e.to_string())),
    }
}

/// The step a checkpoint was taken at, from its header alone (its format, model and
/// checksum are checked when it is `read`): so that a run can be refused before a
/// device is opened.
pub fn step_of(path: &Path) -> Result<u64, Error> {
    use std::io::Read;
    let refuse = |reason: String| Error::CheckpointRefused {
        path: path.display().to_string(),
        reason,
    };
    let mut header = [0u8; 8 + 4 + 8 + 8];
    open_regular(path)?
        .read_exact(&mut header)
        .map_err(|e| refuse(e.to_string()))?;
    if &header[..8] != MAGIC {
        return Err(refuse("not a neurodyn checkpoint".into()));
    }
    Ok(u64::from_le_bytes(
        header[20..28].try_into().expect("8 bytes"),
    ))
}

/// Reads a checkpoint, refusing a wrong format, a corrupted or truncated file and
/// one written for another model (`hash`). Returns the step and the snapshot.
pub fn read(path: &Path, hash: u64) -> Result<(u64, Snapshot), Error> {
    use std::io::Read;
    let refuse = |reason: String| Error::CheckpointRefused {
        path: path.display().to_string(),
        reason,
    };
    let mut file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| refuse(e.to_string()))?;
    if !bytes.starts_with(MAGIC) {
        return Err(refuse("not a neurodyn checkpoint".into()));
    }
    if bytes.len() < 8 + 4 + 8 + 8 + size_of::<Counters>() + 8 {
        return Err(refuse(format!(
            "the file ends early ({} bytes): it is truncated",
            bytes.len()
        )));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 8);
    let stored = u64::from_le_bytes(tail.try_into().expect("8 bytes"));
    if fnv1a(body) != stored {
        return Err(refuse(
            "the checksum does not match: the file is truncated or corrupted".into(),
        ));
    }
    let mut at = 8;
    let mut take = |n: usize| -> Result<&[u8], Error> {
        let slice = body
            .get(at..at + n)
            .ok_or_else(|| refuse("the file ends early".into()))?;
        at += n;
        Ok(slice)
    };
    let u32_at = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes"));
    let u64_at = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
    let version = u32_at(take(4)?);
    if version != FORMAT_VERSION {
        return Err(refuse(format!(
            "format version {version}; this neurodyn reads version {FORMAT_VERSION}"
        )));
    }
    let file_hash = u64_at(take(8)?);
    if file_hash != hash {
        return Err(refuse(
            "it was written for another model (the model's hash differs: another network, \
             parameter, step or seed, `--seed` included): restore it into the network it \
             was taken from"
                .into(),
        ));
    }
    let step = u64_at(take(8)?);
    let counters: Counters = bytemuck::pod_read_unaligned(take(size_of::<Counters>())?);
    let mut array = || -> Result<Vec<u8>, Error> {
        let len = u64_at(take(8)?) as usize;
        Ok(take(
            len.checked_mul(4)
                .ok_or_else(|| refuse("bad length".into()))?,
        )?
        .to_vec())
    };
    let state = bytemuck::pod_collect_to_vec(&array()?);
    let bias = bytemuck::pod_collect_to_vec(&array()?);
    let ring = bytemuck::pod_collect_to_vec(&array()?);
    let syn_state = bytemuck::pod_collect_to_vec(&array()?);
    let history = bytemuck::pod_collect_to_vec(&array()?);
    let modulators = bytemuck::pod_collect_to_vec(&array()?);
    let readouts = bytemuck::pod_collect_to_vec(&array()?);
    let errors = bytemuck::pod_collect_to_vec(&array()?);
    let events = bytemuck::pod_collect_to_vec(&array()?);
    let currents = bytemuck::pod_collect_to_vec(&array()?);
    let readout_window = bytemuck::pod_collect_to_vec(&array()?);
    if at != body.len() {
        return Err(refuse(format!(
            "{} bytes follow the state: the file is not one this neurodyn wrote",
            body.len() - at
        )));
    }
    Ok((
        step,
        Snapshot {
            counters,
            state,
            bias,
            ring,
            syn_state,
            history,
            modulators,
            readouts,
            errors,
            events,
            currents,
            readout_window,
        },
    ))
}
