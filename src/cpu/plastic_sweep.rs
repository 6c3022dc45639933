//! The per-step part of plasticity (three-factor, Hebbian, scaling), the twin of
//! `shaders/plastic_sweep.wgsl`. The shader's invocations read the modulator of the
//! previous step's parity slot and write this step's into the other, so the order
//! of invocations here does not matter.

use super::buffers::Buffers;
use super::plasticity::{
    modulator_level, sweep_error, sweep_hebbian, sweep_scaling, sweep_step, synapse_base,
    synapse_rule,
};
use crate::plan::layout::{MODULATOR_WORDS, PLASTIC_ERROR, PLASTIC_HEBBIAN, PLASTIC_SCALING};

/// One invocation: swept synapse `i` of all instances' swept synapses.
pub fn plastic_sweep_main(i: u32, b: &mut Buffers) {
    let c = b.config;
    if i >= c.n_sweep * c.n_instances {
        return;
    }
    let instance = i / c.n_sweep;
    let k = i - instance * c.n_sweep;
    let s = b.sweep_synapse[k as usize];
    let r = b.plastic_synapse[s as usize][1] >> 16;
    let rule = synapse_rule(b, instance, s);
    let step = b.counters.prop_step;
    let base = synapse_base(b, instance, s);
    if rule.kind == PLASTIC_HEBBIAN {
        sweep_hebbian(b, base, &rule, step);
        return;
    }
    if rule.kind == PLASTIC_SCALING {
        sweep_scaling(b, base, &rule, step);
        return;
    }
    if rule.kind == PLASTIC_ERROR {
        let post = b.plastic_synapse[s as usize][0] % c.n_neurons;
        let error = b.errors[(instance * c.n_neurons + post) as usize];
        sweep_error(b, base, &rule, step, error);
        return;
    }
    let at = ((r * c.n_instances + instance) * MODULATOR_WORDS) as usize;
    let parity = (step % 2) as usize;
    let previous = f32::from_bits(b.modulators[at + 1 - parity]);
    let n = modulator_level(&rule, previous, b.modulators[at + 2 + parity]);
    if k == rule.sweep_first {
        b.modulators[at + parity] = n.to_bits();
        b.modulators[at + 3 - parity] = 0;
    }
    sweep_step(b, base, &rule, n);
}
