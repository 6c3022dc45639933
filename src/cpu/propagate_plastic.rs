//! Propagation through plastic synapses, the twin of `shaders/propagate_plastic.wgsl`.
//! The shader's invocations stride along the row; each synapse's update touches only
//! its own state, and ring sums are integers, so walking the row in order here gives
//! the same state and the same ring.

use super::arith::rounded;
use super::buffers::Buffers;
use super::delivery::{deliver_to_ring, propagated_spike, ring_slot};
use super::modulator::modulator_base;
use super::plasticity::{pre_event, rule_count, rule_of, stdp_gain, synapse_rule};
use crate::plan::astrocyte::{ASTROCYTE_INPUT_WORDS, ASTROCYTE_WORDS};
use crate::plan::layout::MODULATOR_COUNT;

/// One workgroup: the plastic row of the `k`-th neuron that spiked.
pub fn propagate_plastic_main(k: u32, b: &mut Buffers) {
    if k >= b.counters.prop_count {
        return;
    }
    let (instance, pre, step) = propagated_spike(b, k);
    let depth = b.config.history_depth;
    if depth > 0 {
        let at = 2 * depth + (step % depth) * b.config.n_neurons * b.config.n_instances + k;
        b.history[at as usize] = b.spikes[k as usize];
    }
    // Three-factor rules keep modulator histories, before the astrocytes' words.
    if b.config.astrocyte_base > 0 {
        for r in 0..rule_count(b) {
            let rule = rule_of(b, instance, r);
            if pre.wrapping_sub(rule.vt_first) < rule.vt_size {
                let at = modulator_base(r, instance, b.config.n_instances);
                b.modulators[at + MODULATOR_COUNT as usize] += 1;
            }
        }
    }
    let c = b.config;
    for j in 0..c.n_astrocyte_inputs as usize {
        let input = ASTROCYTE_WORDS * c.n_astrocytes as usize + ASTROCYTE_INPUT_WORDS * j;
        if pre.wrapping_sub(b.astrocytes[input]) < b.astrocytes[input + 1] {
            let at = c.astrocyte_base + (c.n_astrocytes + j as u32) * c.n_instances + instance;
            b.modulators[at as usize] += 1;
        }
    }
    let step_slot = ring_slot(b, step);
    for s in b.plastic_row_start[pre as usize]..b.plastic_row_start[pre as usize + 1] {
        let [target, word] = b.plastic_synapse[s as usize];
        let rule = synapse_rule(b, instance, s);
        let gain = stdp_gain(b, &rule, instance);
        let w = pre_event(b, instance, s, &rule, step, gain);
        let fixed = rounded(w * rule.weight_scale).round_ties_even() as i32;
        deliver_to_ring(b, instance, step, step_slot, word & 0xFFFF, target, fixed);
    }
}
