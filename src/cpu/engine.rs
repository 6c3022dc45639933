//! Runs the CPU twins in the order the GPU host records the dispatches.

use std::time::{Duration, Instant};

use super::buffers::Buffers;
use super::build_count::build_count_main;
use super::build_fill::build_fill_main;
use super::gap_coupling::gap_coupling_main;
use super::neuron_update::neuron_update_main;
use super::plastic_flush::plastic_flush_main;
use super::plastic_post::plastic_post_main;
use super::plastic_sweep::plastic_sweep_main;
use super::probe::probe_main;
use super::propagate::{propagate_main, Table};
use super::propagate_plastic::propagate_plastic_main;
use super::propagate_prepare::propagate_prepare_main;
use super::propagate_procedural::propagate_procedural_main;
use crate::checkpoint::Snapshot;
use crate::engine::{batches, probes_sample_at, window_starts, BatchOutput, BatchSink, Engine};
use crate::error::Error;
use crate::input::StreamedInput;
use crate::plan::layout::{flushes_after, BuildPass, PROPAGATE_WORKGROUP};
use crate::plan::{place_parts, Plan, SynapseTable, BUILD_BATCH_ROWS};

/// The reference backend.
pub(crate) struct CpuEngine {
    plan: Plan,
    buffers: Buffers,
    /// Host time spent handing batch outputs on.
    readback: Duration,
    /// Time the twins of the build kernels took.
    device_build: Duration,
}

impl CpuEngine {
    /// Refuses plans with custom models or rules: their WGSL cannot run here.
    pub fn new(plan: &Plan) -> Result<Self, Error> {
        if let Some(model) = plan.custom_models.first() {
            return Err(Error::CustomModelOnCpu {
                model: model.name.clone(),
            });
        }
        if let Some(rule) = plan.custom_rules.first() {
            return Err(Error::CustomRuleOnCpu {
                rule: rule.name.clone(),
            });
        }
        let mut buffers = Buffers::new(plan);
        let start = Instant::now();
        buffers.built = build_table(plan, &buffers)?;
        Ok(Self {
            plan: plan.clone(),
            buffers,
            readback: Duration::ZERO,
            device_build: start.elapsed(),
        })
    }
}

/// The table of the projections built on the device, built as the GPU host does it
/// (`gpu::build`): build_count per batch of rows, the counts placed, build_fill.
fn build_table(plan: &Plan, b: &Buffers) -> Result<SynapseTable, Error> {
    let built = &plan.built;
    let mut table = SynapseTable {
        delay_shift: built.delay_shift,
        ..SynapseTable::default()
    };
    if built.is_empty() {
        return Ok(table);
    }
    let parts = PROPAGATE_WORKGROUP;
    let mut starts = Vec::new();
    let mut total = 0;
    for (first_row, rows) in built.batches(BUILD_BATCH_ROWS) {
        let build = BuildPass {
            first_row,
            rows,
            batch_first: first_row,
            ..Default::default()
        };
        let mut counts = vec![0u32; (rows * parts) as usize];
        for k in 0..rows {
            for part in 0..parts {
                build_count_main(k, part, &build, b, &mut counts);
            }
        }
        total = place_parts(&mut counts, total, &mut table.row_start)?;
        starts.push(counts);
    }
    table.row_start.push(total as u32);
    table.target_delay = vec![0; total as usize];
    table.weight = vec![0; total as usize];
    for ((first_row, rows), part_starts) in built.batches(BUILD_BATCH_ROWS).zip(&starts) {
        let build = BuildPass {
            first_row,
            rows,
            batch_first: first_row,
            first: 0,
            end: total as u32,
            delay_shift: built.delay_shift,
            _pad: [0; 2],
        };
        for k in 0..rows {
            for part in 0..parts {
                build_fill_main(k, part, &build, b, part_starts, &mut table);
            }
        }
    }
    Ok(table)
}

impl Engine for CpuEngine {
    fn run(
        &mut self,
        first_step: u64,
        steps: u64,
        input: &mut StreamedInput,
        sink: &mut BatchSink<'_>,
    ) -> Result<(), Error> {
        let b = &mut self.buffers;
        for (first, len, tables) in batches(first_step, steps, self.plan.batch_steps, input) {
            (b.stream, b.currents) = tables;
            b.counters.record_count = 0;
            b.counters.batch_step = 0;
            b.counters.batch_len = len;
            for step in window_starts(first, len, b.config.window_steps) {
                if b.config.n_gap > 0 {
                    for gid in 0..b.config.n_neurons * b.config.n_instances {
                        gap_coupling_main(gid, b);
                    }
                }
                for group in &self.plan.groups {
                    for index in 0..group.info.size * b.config.n_instances {
                        neuron_update_main(index, group, b);
                    }
                }
                propagate_prepare_main(b);
                let spikes = b.dispatch[0].x * b.dispatch[0].y;
                if b.config.history_depth > 0 {
                    let per_group = PROPAGATE_WORKGROUP / b.config.post_lanes;
                    for w in 0..b.dispatch[1].x * b.dispatch[1].y * per_group {
                        plastic_post_main(w, b);
                    }
                }
                if !self.plan.synapses.is_empty() {
                    for k in 0..spikes {
                        propagate_main(k, b, Table::Stored);
                    }
                }
                if !b.built.is_empty() {
                    for k in 0..spikes {
                        propagate_main(k, b, Table::Built);
                    }
                }
                if self.plan.regenerates_rows() {
                    for k in 0..spikes {
                        propagate_procedural_main(k, b);
                    }
                }
                if self.plan.walks_plastic_rows() {
                    for k in 0..spikes {
                        propagate_plastic_main(k, b);
                    }
                }
                for i in 0..b.config.n_sweep * b.config.n_instances {
                    plastic_sweep_main(i, b);
                }
                if flushes_after(step) {
                    for i in 0..b.config.n_three_factor * b.config.n_instances {
                        plastic_flush_main(i, b);
                    }
                }
                if probes_sample_at(&self.plan, step) {
                    for j in 0..b.config.n_probes {
                        probe_main(j, b);
                    }
                }
            }
            let recorded = b.counters.record_count.min(b.config.record_capacity) as usize;
            let record_start = self.plan.spike_list_len() as usize;
            let start = Instant::now();
            let result = sink(BatchOutput {
                first_step: first,
                steps: len,
                counters: b.counters,
                step_ends: b.step_ends[..len as usize].to_vec(),
                record: b.spikes[record_start..record_start + recorded].to_vec(),
                probe_out: b.probe_out.clone(),
            });
            self.readback += start.elapsed();
            result?;
        }
        Ok(())
    }

    fn readback_time(&self) -> Duration {
        self.readback
    }

    fn device_build_time(&self) -> Duration {
        self.device_build
    }

    fn built_row_start(&mut self) -> Result<Vec<u32>, Error> {
        Ok(self.buffers.built.row_start.clone())
    }

    fn snapshot(&mut self) -> Result<Snapshot, Error> {
        let b = &self.buffers;
        Ok(Snapshot {
            counters: b.counters,
            state: b.state.clone(),
            bias: b.bias.clone(),
            ring: b.ring.clone(),
            syn_state: b.syn_state.clone(),
            history: b.history.clone(),
            modulators: b.modulators.clone(),
            readouts: b.readouts.clone(),
            errors: b.errors.clone(),
            events: Vec::new(),
            currents: Vec::new(),
            readout_window: Vec::new(),
        })
    }

    fn restore(&mut self, snapshot: &Snapshot) -> Result<(), Error> {
        let b = &mut self.buffers;
        b.counters = snapshot.counters;
        b.state.clone_from(&snapshot.state);
        b.bias.clone_from(&snapshot.bias);
        b.ring.clone_from(&snapshot.ring);
        b.syn_state.clone_from(&snapshot.syn_state);
        b.history.clone_from(&snapshot.history);
        b.modulators.clone_from(&snapshot.modulators);
        b.readouts.clone_from(&snapshot.readouts);
        b.errors.clone_from(&snapshot.errors);
        Ok(())
    }

    fn read_state(&mut self) -> Result<Vec<f32>, Error> {
        Ok(self.buffers.state.clone())
    }

    fn read_plastic_state(&mut self) -> Result<Vec<u32>, Error> {
        Ok(self.buffers.syn_state.clone())
    }

    fn write_plastic_state(&mut self, words: &[u32]) -> Result<(), Error> {
        self.buffers.syn_state.copy_from_slice(words);
        Ok(())
    }

    fn read_modulators(&mut self) -> Result<Vec<u32>, Error> {
        Ok(self.buffers.modulators.clone())
    }

    fn write_modulators(&mut self, words: &[u32]) -> Result<(), Error> {
        self.buffers.modulators.copy_from_slice(words);
        Ok(())
    }

    fn read_ring(&mut self) -> Result<Vec<i32>, Error> {
        Ok(self.buffers.ring.clone())
    }

    fn write_errors(&mut self, at: usize, values: &[f32]) -> Result<(), Error> {
        self.buffers.errors[at..at + values.len()].copy_from_slice(values);
        Ok(())
    }

    fn read_readouts(&mut self) -> Result<Vec<u32>, Error> {
        Ok(self.buffers.readouts.clone())
    }

    fn wgpu(&self) -> Option<(wgpu::Device, wgpu::Queue)> {
        None
    }

    fn describe(&self) -> String {
        "CPU reference".to_string()
    }
}
