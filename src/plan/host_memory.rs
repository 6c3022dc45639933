//! The host side of the memory planner: building a plan draws every stored synapse
//! and lays out every buffer in host memory before anything reaches a device, so a
//! network too large for the host is refused before the first synapse is drawn —
//! with the bytes it would need, the bytes the host (or its container) has, and what
//! would make it fit — instead of being killed by the kernel's out-of-memory killer
//! half-way through drawing.

use super::layout::PROPAGATE_WORKGROUP;
use super::memory::{self, expected_synapses, format_bytes, MemoryReport};
use super::{drawn_per_instance, PlanError, MIN_BUFFER_BYTES};
use crate::model::{Network, Projection};

/// Host bytes per drawn synapse before it is laid out: presynaptic and postsynaptic
/// index (u32 each), weight (f64) and delay in steps (u32), as `DrawnSynapses` holds it.
pub const DRAWN_SYNAPSE_BYTES: u64 = 20;

/// Synapses the host draws for `network`'s stored projections (fixed-probability
/// counts are their expectation): projections drawn per instance once per instance.
pub fn drawn_synapses(network: &Network) -> f64 {
    expected_of(network, |p| p.generated_by().is_none())
        .iter()
        .map(|(_, n)| n)
        .sum()
}

/// The synapses expected in stored tables, drawn on the host or built on the device
/// (one index space: at most 2^32 − 1 of them), by projection index.
pub fn stored_synapses(network: &Network) -> Vec<(usize, f64)> {
    expected_of(network, |p| !p.procedural)
}

/// The synapses expected of each projection `which` takes (its index and count),
/// each set of rows counted.
fn expected_of(network: &Network, which: impl Fn(&Projection) -> bool) -> Vec<(usize, f64)> {
    let size = |name: &str| network.population(name).map_or(0, |p| u64::from(p.size));
    network
        .projections
        .iter()
        .enumerate()
        .filter(|(_, p)| which(p))
        .map(|(index, p)| {
            let sets = if drawn_per_instance(network, index) {
                network.instances
            } else {
                1
            };
            let count = expected_synapses(
                &p.connectivity,
                size(&p.pre),
                size(&p.post),
                p.pre == p.post,
            ) * f64::from(sets);
            (index, count)
        })
        .collect()
}

/// Host bytes at the peak of building a plan: the drawn synapses and every buffer's
/// host copy (the plan holds each buffer's contents until they are uploaded) — but
/// for the synapses built on the device, which have no host copy: building them keeps
/// only where each row part starts (`PROPAGATE_WORKGROUP` words a row) on the host.
pub fn peak_bytes(report: &MemoryReport, drawn_synapses: f64) -> u64 {
    let bytes = |name: &str| {
        report
            .buffers
            .iter()
            .find(|b| b.name == name)
            .map_or(0, |b| b.bytes)
    };
    // Rows + 1 starts of 4 bytes where something is built (a buffer of the minimum
    // size otherwise, whose few bytes are left counted as they are).
    let row_starts = bytes("built_row_start");
    let (built, part_starts) = if row_starts > MIN_BUFFER_BYTES {
        (
            bytes("syn_built_target_delay") + bytes("syn_built_weight"),
            (row_starts - 4) * u64::from(PROPAGATE_WORKGROUP),
        )
    } else {
        (0, 0)
    };
    report.total() + part_starts - built + (drawn_synapses * DRAWN_SYNAPSE_BYTES as f64) as u64
}

/// The memory this process can still take: the least of the system's available
/// memory and the room left under its control group's limit (cgroup v2 or v1), where
/// the host says; `None` where it says nothing (not Linux).
pub fn available() -> Option<u64> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let number = |path: &str| read(path).and_then(|t| t.trim().parse::<u64>().ok());
    let system = read("/proc/meminfo").and_then(|text| {
        text.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kib| kib * 1024)
    });
    // "max" (v2) does not parse, and v1 writes a huge number for no limit: both
    // leave the system figure in charge.
    let room =
        |limit: Option<u64>, used: Option<u64>| limit.map(|l| l.saturating_sub(used.unwrap_or(0)));
    let group = room(
        number("/sys/fs/cgroup/memory.max"),
        number("/sys/fs/cgroup/memory.current"),
    )
    .or_else(|| {
        room(
            number("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
            number("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
        )
    });
    match (system, group) {
        (Some(s), Some(g)) => Some(s.min(g)),
        (s, g) => s.or(g),
    }
}

/// Refuses a network whose plan needs more host memory than `available`.
pub fn check(
    network: &Network,
    report: &MemoryReport,
    available: Option<u64>,
) -> Result<(), PlanError> {
    let drawn = drawn_synapses(network);
    let needed = peak_bytes(report, drawn);
    match available {
        Some(available) if needed > available => {
            Err(PlanError::HostMemory(Box::new(HostShortfall {
                needed: format_bytes(needed),
                synapses: drawn.round() as u64,
                available: format_bytes(available),
                largest: report.largest(3),
                advice: memory::advice(network, report),
            })))
        }
        _ => Ok(()),
    }
}

/// A network whose plan does not fit in host memory.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "building the network needs about {needed} of host memory (estimated before drawing \
     its {synapses} stored synapses), but this machine has {available} available; the \
     largest buffers are: {largest}. To make it fit: {advice}"
)]
pub struct HostShortfall {
    pub needed: String,
    pub synapses: u64,
    pub available: String,
    pub largest: String,
    pub advice: String,
}
