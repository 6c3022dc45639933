//! Every three-factor synapse brought up to date, the twin of
//! `shaders/plastic_flush.wgsl`.

use super::buffers::Buffers;
use super::plasticity::{catch_up, synapse_rule};

/// One invocation: three-factor synapse `i` of all instances' three-factor synapses.
pub fn plastic_flush_main(i: u32, b: &mut Buffers) {
    let c = b.config;
    if i >= c.n_three_factor * c.n_instances {
        return;
    }
    let instance = i / c.n_three_factor;
    let s = b.sweep_synapse[(c.n_sweep + i - instance * c.n_three_factor) as usize];
    let rule = synapse_rule(b, instance, s);
    let step = b.counters.prop_step;
    catch_up(b, instance, s, &rule, step);
}
