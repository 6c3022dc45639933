//! The per-step part of plasticity (Hebbian, scaling, error-modulated, custom
//! `each_step`), the twin of `shaders/plastic_sweep.wgsl`.

use super::buffers::Buffers;
use super::plasticity::{sweep_error, sweep_hebbian, sweep_scaling, synapse_base, synapse_rule};
use crate::plan::layout::{PLASTIC_ERROR, PLASTIC_HEBBIAN, PLASTIC_SCALING};

/// One invocation: swept synapse `i` of all instances' swept synapses.
pub fn plastic_sweep_main(i: u32, b: &mut Buffers) {
    let c = b.config;
    if i >= c.n_sweep * c.n_instances {
        return;
    }
    let instance = i / c.n_sweep;
    let k = i - instance * c.n_sweep;
    let s = b.sweep_synapse[k as usize];
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
    }
}
