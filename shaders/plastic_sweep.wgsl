// The per-step part of plasticity: one invocation per synapse of a rule that has one
// (three-factor, Hebbian, scaling, a custom rule's each_step) and instance. A three-factor synapse turns its
// eligibility into weight change under the rule's neuromodulator and decays the
// eligibility; Hebbian and scaling synapses move their weight by the traces as they
// stand after the step's spikes. Each three-factor rule's modulator for the
// step is computed by every invocation alike from its value after the previous step
// and the modulating spikes of this step (propagate_plastic counted them), and stored
// by the rule's first synapse's invocation into the other parity slot, so no
// invocation reads what another writes. Runs after propagation, so it sees the
// eligibility the step's spikes left. Twin: src/cpu/plastic_sweep.rs.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
@group(0) @binding(2) var<storage, read> sweep_synapses: array<u32>;
@group(0) @binding(3) var<storage, read> synapses: array<vec2<u32>>;
@group(0) @binding(4) var<storage, read> rules: array<PlasticRule>;
@group(0) @binding(5) var<storage, read> rule_params: array<u32>;
@group(0) @binding(6) var<storage, read_write> syn_state: array<u32>;
// Per rule and instance (MODULATOR_WORDS): the level after even and odd steps, the
// modulating spikes of even and odd steps.
@group(0) @binding(7) var<storage, read_write> modulators: array<u32>;
// Per (instance, neuron): the error the host set for error-modulated synapses.
@group(0) @binding(8) var<storage, read> errors: array<f32>;

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
    let r = synapses[s].y >> 16u;
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
        return;
    }
    let at = (r * config.n_instances + instance) * MODULATOR_WORDS;
    let parity = step % 2u;
    let previous = bitcast<f32>(modulators[at + 1u - parity]);
    let n = modulator_level(rule, previous, modulators[at + 2u + parity]);
    if (k == rule.sweep_first) {
        modulators[at + parity] = bitcast<u32>(n);
        modulators[at + 3u - parity] = 0u;
    }
    sweep_step(base, rule, n);
}
