//! The CPU reference's copy of every device buffer, named as the shaders bind them.

use crate::plan::layout::{
    Config, Counters, DispatchArgs, PlasticRule, PopulationInfo, ProbeEntry, ProceduralProjection,
    StimulusParams,
};
use crate::plan::{Plan, SynapseTable};

/// Every buffer of a simulation, in host memory.
#[derive(Debug, Clone)]
pub struct Buffers {
    pub config: Config,
    pub counters: Counters,
    pub populations: Vec<PopulationInfo>,
    pub params: Vec<f32>,
    pub stimuli: Vec<StimulusParams>,
    /// Each neuron's block: its variables, then its refractory counter's bits in the
    /// last word (`plan::layout::state_words`).
    pub state: Vec<f32>,
    /// Intrinsic plasticity's bias current per (instance, neuron).
    pub bias: Vec<f32>,
    /// The batch's streamed events (`crate::events::EventQueue::take_table`).
    pub stream: Vec<u32>,
    /// The batch's streamed currents (`crate::input::CurrentQueue::take_table`).
    pub currents: Vec<u32>,
    /// Errors of error-modulated rules, per (instance, neuron).
    pub errors: Vec<f32>,
    /// Readout words (`READOUT_WORDS` per neuron of a readout population).
    pub readouts: Vec<u32>,
    pub ring: Vec<i32>,
    /// This window's spike list, then the batch's recorded spikes (`plan::window`).
    pub spikes: Vec<u32>,
    pub step_ends: Vec<u32>,
    /// Propagation's and the postsynaptic plasticity walk's sizes.
    pub dispatch: [DispatchArgs; 2],
    /// The host-drawn stored synapses (`row_start`, `syn_target_delay`, `syn_weight`
    /// and the chunks' `delay_shift`).
    pub stored: SynapseTable,
    /// The synapses built on the device (`built_row_start`, `syn_built_*`): empty
    /// until `CpuEngine::new` builds them.
    pub built: SynapseTable,
    pub plastic_row_start: Vec<u32>,
    pub plastic_synapse: Vec<[u32; 2]>,
    pub post_start: Vec<u32>,
    pub post_synapse: Vec<u32>,
    pub plastic_rules: Vec<PlasticRule>,
    /// Per plastic synapse, its own values of its rule's varying words.
    pub rule_params: Vec<u32>,
    /// Plastic synapse state, layout `[instance][synapse][word]`.
    pub syn_state: Vec<u32>,
    /// Spike counts, the window's prefix sums, then a spike list per slot.
    pub history: Vec<u32>,
    /// The synapses of three-factor rules, swept every step.
    pub sweep_synapse: Vec<u32>,
    /// Per rule and instance: modulator levels and modulating spike counts; then the
    /// astrocytes' levels and their inputs' counts.
    pub modulators: Vec<u32>,
    /// The astrocyte table (`plan::AstrocyteTable::words`).
    pub astrocytes: Vec<u32>,
    /// The gap junctions and graded synapses (`plan::GapTable`) and the step's
    /// coupling currents.
    pub gap_start: Vec<u32>,
    pub gap_partner: Vec<u32>,
    pub gap_coupling: Vec<[f32; 4]>,
    pub gap_potential: Vec<[u32; 2]>,
    pub gap_current: Vec<f32>,
    pub procedural: Vec<ProceduralProjection>,
    pub row_lengths: Vec<u32>,
    pub probes: Vec<ProbeEntry>,
    pub probe_out: Vec<f32>,
}

impl Buffers {
    /// The buffers as the plan initialises them.
    pub fn new(plan: &Plan) -> Self {
        let n = plan.config.n_neurons as usize * plan.config.n_instances as usize;
        Self {
            config: plan.config,
            counters: Counters::initial(),
            populations: plan.populations.iter().map(|p| p.info).collect(),
            params: plan.params.clone(),
            stimuli: plan.stimuli.clone(),
            state: plan.initial_state.clone(),
            bias: vec![0.0; n],
            stream: Vec::new(),
            currents: Vec::new(),
            errors: vec![0.0; plan.errors_len()],
            readouts: plan.initial_readouts(),
            ring: vec![0; plan.ring_len() as usize],
            spikes: vec![0; plan.spike_list_len() as usize + plan.config.record_capacity as usize],
            step_ends: vec![0; plan.batch_steps as usize],
            dispatch: [DispatchArgs { x: 0, y: 0, z: 0 }; 2],
            stored: plan.synapses.clone(),
            built: SynapseTable::default(),
            plastic_row_start: plan.plastic.row_start.clone(),
            plastic_synapse: plan.plastic.synapse.clone(),
            post_start: plan.plastic.post_start.clone(),
            post_synapse: plan.plastic.post_synapse.clone(),
            plastic_rules: plan.plastic.device_rules(plan.config.n_instances),
            rule_params: plan.plastic.rule_params.clone(),
            syn_state: plan.initial_plastic_state(),
            history: vec![0; plan.history_len() as usize],
            sweep_synapse: plan.plastic.sweep_synapse.clone(),
            modulators: plan.initial_modulators(),
            astrocytes: plan.astrocytes.words.clone(),
            gap_start: plan.gap.start.clone(),
            gap_partner: plan.gap.partner.clone(),
            gap_coupling: plan.gap.coupling.clone(),
            gap_potential: plan.gap.potential.clone(),
            gap_current: vec![0.0; plan.gap.potential.len()],
            procedural: plan.procedural.clone(),
            row_lengths: plan.row_lengths.clone(),
            probes: plan.probes.clone(),
            probe_out: vec![0.0; plan.probe_capacity as usize],
        }
    }
}
