//! Device memory traffic of each kernel by the plan's own count: the bytes each
//! kernel reads and writes as its shader is written (atomics count a read and a
//! write; values every invocation of a dispatch shares, such as a population's
//! parameters, count once per dispatch). The profiler divides them by the kernels'
//! measured times to give achieved bandwidth.

use super::layout::{PopulationInfo, ProbeEntry, ProceduralProjection, StimulusParams};
use super::{NeuronKind, Plan};

/// Bytes of one u32, i32 or f32.
const WORD: u64 = 4;

impl Plan {
    /// Bytes the neuron update of `kind` moves over `steps` steps in which its
    /// neurons spiked `spikes` times, `recorded` of them into the recording.
    pub fn neuron_update_bytes(
        &self,
        kind: NeuronKind,
        steps: u64,
        spikes: u64,
        recorded: u64,
    ) -> u64 {
        let instances = u64::from(self.config.n_instances);
        let receptors = u64::from(self.config.n_receptors);
        let Some(group) = self.groups.iter().find(|g| g.kind == kind) else {
            return 0;
        };
        let neurons = u64::from(group.info.size) * instances;
        // State read and written, refractory counter read and written, this step's
        // ring entries read and cleared.
        let per_neuron = 2 * WORD * u64::from(group.state_count) + 2 * WORD + 2 * WORD * receptors;
        // Each population's layout, parameters and stimuli, shared by its neurons.
        let shared: u64 = self
            .populations
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == kind)
            .map(|(i, p)| {
                let params_end = self
                    .populations
                    .get(i + 1)
                    .map_or(self.params.len() as u32, |q| q.info.param_offset);
                size_of::<PopulationInfo>() as u64
                    + WORD * u64::from(params_end.saturating_sub(p.info.param_offset))
                    + size_of::<StimulusParams>() as u64 * u64::from(p.info.stim_count)
            })
            .sum();
        steps * (neurons * per_neuron + shared) + WORD * (spikes + recorded)
    }

    /// Bytes propagation moves for `spikes` spikes whose rows hold `synapses` synapses
    /// together: per spike its index and row bounds, per synapse its target, weight
    /// and delay and an atomic add into the ring.
    pub fn propagate_bytes(&self, spikes: u64, synapses: u64) -> u64 {
        spikes * 3 * WORD + synapses * (3 * WORD + 2 * WORD)
    }

    /// Bytes procedural propagation moves for `spikes` spikes reaching `synapses`
    /// regenerated synapses: per spike its index and a read of the projection table,
    /// per synapse only the atomic add into the ring (the synapse itself is computed).
    /// Fixed-total-number rows also read their length.
    pub fn propagate_procedural_bytes(&self, spikes: u64, synapses: u64) -> u64 {
        let table = self.procedural.len() as u64 * size_of::<ProceduralProjection>() as u64;
        spikes * (WORD + table + WORD) + synapses * 2 * WORD
    }

    /// Bytes propagate_prepare moves in `calls` calls: the clock and spike counters
    /// read and written, the indirect dispatch size and the step's recording end.
    pub fn propagate_prepare_bytes(&self, calls: u64) -> u64 {
        calls * (2 * 4 * WORD + 3 * WORD + WORD)
    }

    /// Bytes the probe kernel moves in `calls` calls taking `samples` samples: every
    /// call reads the probe table; each sample reads a state value and writes it.
    pub fn probe_bytes(&self, calls: u64, samples: u64) -> u64 {
        calls * self.probes.len() as u64 * size_of::<ProbeEntry>() as u64 + samples * 2 * WORD
    }
}
