//! The CPU reference's copy of every device buffer, named as the shaders bind them.

use crate::plan::layout::{
    BatchInfo, Config, Counters, DispatchArgs, PopulationInfo, ProbeEntry, ProceduralProjection,
    StimulusParams,
};
use crate::plan::Plan;

/// Every buffer of a simulation, in host memory.
#[derive(Debug, Clone)]
pub struct Buffers {
    pub config: Config,
    pub batch: BatchInfo,
    pub counters: Counters,
    pub populations: Vec<PopulationInfo>,
    pub params: Vec<f32>,
    pub stimuli: Vec<StimulusParams>,
    pub state: Vec<f32>,
    pub refractory: Vec<u32>,
    pub ring: Vec<i32>,
    /// This step's spike list, then the batch's recorded spikes.
    pub spikes: Vec<u32>,
    pub step_ends: Vec<u32>,
    pub dispatch: DispatchArgs,
    pub row_start: Vec<u32>,
    pub syn_target: Vec<u32>,
    pub syn_weight: Vec<i32>,
    pub syn_delay: Vec<u32>,
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
            batch: BatchInfo {
                first_step: 0,
                n_probes: plan.probes.len() as u32,
                _pad: [0; 2],
            },
            counters: Counters::initial(),
            populations: plan.populations.iter().map(|p| p.info).collect(),
            params: plan.params.clone(),
            stimuli: plan.stimuli.clone(),
            state: plan.initial_state.clone(),
            refractory: plan.initial_refractory.clone(),
            ring: vec![0; plan.ring_len() as usize],
            spikes: vec![0; n + plan.config.record_capacity as usize],
            step_ends: vec![0; plan.batch_steps as usize],
            dispatch: DispatchArgs { x: 0, y: 0, z: 0 },
            row_start: plan.synapses.row_start.clone(),
            syn_target: plan.synapses.target.clone(),
            syn_weight: plan.synapses.weight.clone(),
            syn_delay: plan.synapses.delay.clone(),
            procedural: plan.procedural.clone(),
            row_lengths: plan.row_lengths.clone(),
            probes: plan.probes.clone(),
            probe_out: vec![0.0; plan.probe_capacity as usize],
        }
    }
}
