//! Device memory traffic of each kernel by the plan's own count: the bytes each
//! kernel reads and writes as its shader is written (atomics count a read and a
//! write; values every invocation of a dispatch shares, such as a population's
//! parameters, count once per dispatch). The profiler divides them by the kernels'
//! measured times to give achieved bandwidth.

use super::layout::{
    PlasticRule, PopulationInfo, ProbeEntry, ProceduralProjection, StimulusParams,
};
use super::{NeuronKind, Plan};

/// Bytes of one u32, i32 or f32.
const WORD: u64 = 4;

impl Plan {
    /// Bytes the neuron update of `kind` moves over `steps` steps in `calls`
    /// dispatches (a window each: `window`) in which its neurons spiked `spikes`
    /// times, `recorded` of them into the recording.
    pub fn neuron_update_bytes(
        &self,
        kind: NeuronKind,
        (steps, calls): (u64, u64),
        spikes: u64,
        recorded: u64,
    ) -> u64 {
        let instances = u64::from(self.config.n_instances);
        let receptors = u64::from(self.config.n_receptors);
        let Some(group) = self.groups.iter().find(|g| g.kind == kind) else {
            return 0;
        };
        let neurons = u64::from(group.info.size) * instances;
        // Per dispatch, the state block (variables, padding, refractory counter) read
        // and written; per step, the step's ring entries read and cleared.
        let per_neuron = 2 * WORD * u64::from(super::layout::state_words(group.state_count));
        let per_neuron_step = 2 * WORD * receptors;
        // Each population's layout, parameters and stimuli, shared by its neurons;
        // parameters compiled into the kernel (`Plan::baked_params`) are not read.
        let baked = self.baked_params(group).is_some();
        let shared: u64 = self
            .populations
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == kind)
            .map(|(i, p)| {
                let params = if baked {
                    0
                } else {
                    WORD * self.population_params(i).len() as u64
                };
                size_of::<PopulationInfo>() as u64
                    + params
                    + size_of::<StimulusParams>() as u64 * u64::from(p.info.stim_count)
            })
            .sum();
        calls * (neurons * per_neuron + shared)
            + steps * neurons * per_neuron_step
            + WORD * (spikes + recorded)
    }

    /// Bytes propagation moves for `spikes` spike reads (each spike once per stored
    /// table and chunk dispatched) whose rows hold `synapses` synapses together: per
    /// spike read its index and row bounds, per synapse its target-delay word and
    /// weight and an atomic add into the ring.
    pub fn propagate_bytes(&self, spikes: u64, synapses: u64) -> u64 {
        spikes * 3 * WORD + synapses * (2 * WORD + 2 * WORD)
    }

    /// Bytes procedural propagation moves for `spikes` spikes reaching `synapses`
    /// regenerated synapses: per spike its index and a read of the projection table,
    /// per synapse only the atomic add into the ring (the synapse itself is computed).
    /// Fixed-total-number rows also read their length.
    pub fn propagate_procedural_bytes(&self, spikes: u64, synapses: u64) -> u64 {
        let table = self.procedural.len() as u64 * size_of::<ProceduralProjection>() as u64;
        spikes * (WORD + table + WORD) + synapses * 2 * WORD
    }

    /// Bytes plastic propagation moves in `calls` calls for `spikes` spikes whose
    /// plastic rows hold `synapses` synapses: per call the rule table; per spike its
    /// index, row bounds and its entry in the history; per synapse its target and
    /// delay, its own rule parameters (where a rule varies them), its state read (weight and both sides' records) and the weight and
    /// presynaptic record written, and an atomic add into the ring.
    pub fn propagate_plastic_bytes(&self, calls: u64, spikes: u64, synapses: u64) -> u64 {
        let words = u64::from(self.config.synapse_words + self.config.rule_param_words);
        calls * self.rule_table_bytes() + spikes * 4 * WORD + synapses * (2 + words + 4 + 2) * WORD
    }

    /// Bytes the postsynaptic walk moves in `calls` calls for `spikes` postsynaptic
    /// spikes reaching `synapses` synapses: per call the rule table and the history's
    /// prefix sums; per spike its history entry and row bounds (the binary search's
    /// reads not counted); per synapse its index, delay word, own rule parameters, state
    /// read and the weight
    /// and postsynaptic record written.
    pub fn plastic_post_bytes(&self, calls: u64, spikes: u64, synapses: u64) -> u64 {
        let words = u64::from(self.config.synapse_words + self.config.rule_param_words);
        calls * (self.rule_table_bytes() + u64::from(self.config.history_depth) * WORD)
            + spikes * 3 * WORD
            + synapses * (1 + 2 + words + 4) * WORD
    }

    /// Bytes the per-step sweep moves in `calls` calls: per call the rule table; per
    /// swept synapse and instance its index and rule word, own rule parameters,
    /// weight and a trace read and written.
    pub fn plastic_sweep_bytes(&self, calls: u64) -> u64 {
        let swept = u64::from(self.config.n_sweep) * u64::from(self.config.n_instances);
        let words = 6 + u64::from(self.config.rule_param_words);
        calls * (self.rule_table_bytes() + swept * words * WORD)
    }

    /// Bytes plastic_flush moves in `calls` calls: per three-factor synapse and
    /// instance its index, rule word and own parameters read, and weight, eligibility
    /// and integrated-to step read and written (the modulator entries it reads are
    /// few and shared).
    pub fn plastic_flush_bytes(&self, calls: u64) -> u64 {
        let synapses = u64::from(self.config.n_three_factor) * u64::from(self.config.n_instances);
        let words = 2 + u64::from(self.config.rule_param_words) + 2 * 3;
        calls * (self.rule_table_bytes() + synapses * words * WORD)
    }

    fn rule_table_bytes(&self) -> u64 {
        self.plastic.rules.len() as u64 * size_of::<PlasticRule>() as u64
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

    /// Bytes the gap coupling kernel moves in `calls` calls: per instance, every
    /// neuron's row bounds and written current; per junction entry its partner and
    /// conductance, and both potentials (position, offset and state value).
    pub fn gap_coupling_bytes(&self, calls: u64) -> u64 {
        let instances = u64::from(self.config.n_instances);
        let neurons = u64::from(self.config.n_neurons);
        let entries = self.gap.len() as u64;
        calls * instances * (neurons * 3 * WORD + entries * (2 + 2 * 3) * WORD)
    }
}
