// The per-step part of plasticity: one invocation per synapse of a rule that has one
// (Hebbian, scaling, error-modulated, a custom rule's each_step) and instance: the
// weight moves by the traces as they stand after the step's spikes (runs after
// propagation). Three-factor synapses are not swept: they integrate their weight
// change when touched (common/plasticity.wgsl `catch_up`, plastic_flush.wgsl).
// Twin: src/cpu/plastic_sweep.rs.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
@group(0) @binding(2) var<storage, read> sweep_synapses: array<u32>;
@group(0) @binding(3) var<storage, read> synapses: array<vec2<u32>>;
// Binding 4: the plasticity rules, `rules`, in a uniform or storage buffer (generated
// by src/gpu/uniform_tables.rs).
@group(0) @binding(5) var<storage, read> rule_params: array<u32>;
@group(0) @binding(6) var<storage, read_write> syn_state: array<u32>;
// Not read here; common/plasticity.wgsl's `catch_up` needs `modulator_word`.
@group(0) @binding(7) var<storage, read> modulators: array<u32>;
// Per (instance, neuron): the error the host set for error-modulated synapses.
@group(0) @binding(8) var<storage, read> errors: array<f32>;

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
    if (i >= config.n_sweep * config.n_instances) {
        return;
    }
    let instance = i / config.n_sweep;
    let k = i - instance * config.n_sweep;
    let s = sweep_synapses[k];
    let rule = synapse_rule(instance, s);
    let step = atomicLoad(&counters.prop_step);
    let base = synapse_base(instance, s);
    if (rule.kind == PLASTIC_HEBBIAN) {
        sweep_hebbian(base, rule, step);
        return;
    }
    if (rule.kind == PLASTIC_SCALING) {
        sweep_scaling(base, rule, step);
        return;
    }
    if (rule.kind == PLASTIC_ERROR) {
        let post = synapses[s].x % config.n_neurons;
        sweep_error(base, rule, step, errors[instance * config.n_neurons + post]);
        return;
    }
    if (rule.kind >= PLASTIC_CUSTOM) {
        sweep_custom(base, rule, step);
        // A custom rule's each_step may loop: a driver that cut it short says so.
        check_loop_limit(STAGE_PLASTIC_SWEEP);
    }
}
