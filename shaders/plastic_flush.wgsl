// Every three-factor synapse of every instance brought up to date: the weight change
// under the neuromodulator integrated to this step (`catch_up`). Three-factor
// synapses otherwise integrate only when a spike touches them; this dispatch runs
// at the end of every FLUSH_STEPS-th step (src/plan/layout.rs) so that none needs a
// modulator entry older than the history keeps. One invocation per synapse and
// instance. Twin: src/cpu/plastic_flush.rs.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
// The swept synapses, then (from `config.n_sweep` on) the three-factor ones.
@group(0) @binding(2) var<storage, read> sweep_synapses: array<u32>;
@group(0) @binding(3) var<storage, read> synapses: array<vec2<u32>>;
// Binding 4: the plasticity rules, `rules`, in a uniform or storage buffer (generated
// by src/gpu/uniform_tables.rs).
@group(0) @binding(5) var<storage, read> rule_params: array<u32>;
@group(0) @binding(6) var<storage, read_write> syn_state: array<u32>;
@group(0) @binding(7) var<storage, read> modulators: array<u32>;

fn modulator_word(i: u32) -> u32 {
    return modulators[i];
}

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let i = (wg.y * groups.x + wg.x) * NEURON_WORKGROUP + local;
    if (i >= config.n_three_factor * config.n_instances) {
        return;
    }
    let instance = i / config.n_three_factor;
    let s = sweep_synapses[config.n_sweep + i - instance * config.n_three_factor];
    let step = atomicLoad(&counters.prop_step);
    catch_up(instance, s, synapse_base(instance, s), synapse_rule(instance, s), step);
}
