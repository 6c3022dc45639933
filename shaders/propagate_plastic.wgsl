// Spike propagation through plastic synapses (their own CSR rows by presynaptic
// neuron): one workgroup per neuron that spiked in the step, its invocations striding
// along the row. Each synapse first takes the presynaptic event (STDP depression, or
// the short-term plasticity update), then delivers the weight that leaves, in the
// post population's fixed-point unit, into the ring slot `delay` steps ahead. Only
// this dispatch writes a synapse in the step's presynaptic phase, once per synapse.
// It also keeps the step's spike list for the postsynaptic walk of later steps, and
// counts the spikes of populations that drive a three-factor rule's modulator or an
// astrocyte.
// Twin: src/cpu/propagate_plastic.rs.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
@group(0) @binding(2) var<storage, read> spikes: array<u32>;
@group(0) @binding(3) var<storage, read> row_start: array<u32>;
@group(0) @binding(4) var<storage, read> synapses: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read> rules: array<PlasticRule>;
// Per synapse, its own values of its rule's varying words (see synapse_rule).
@group(0) @binding(6) var<storage, read> rule_params: array<u32>;
@group(0) @binding(7) var<storage, read_write> syn_state: array<u32>;
@group(0) @binding(8) var<storage, read_write> ring: array<atomic<i32>>;
// [0, depth): spike counts per slot; [depth, 2 depth): the window's prefix sums;
// then one spike list per slot (step % depth).
@group(0) @binding(9) var<storage, read_write> history: array<u32>;
// Per rule and instance: modulator levels (not used here) and modulating spike counts
// of even and odd steps (see plastic_sweep.wgsl); then astrocyte levels and their
// inputs' spike counts in the step (see propagate_prepare.wgsl).
@group(0) @binding(10) var<storage, read_write> modulators: array<atomic<u32>>;
// Astrocytes, then their inputs [first neuron, size, astrocyte, weight].
@group(0) @binding(11) var<storage, read> astrocytes: array<u32>;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let k = wg.y * groups.x + wg.x;
    if (k >= atomicLoad(&counters.prop_count)) {
        return;
    }
    let spike = propagated_spike(k);
    let instance = spike.x;
    let pre = spike.y;
    let step = spike.z;
    let depth = config.history_depth;
    if (depth > 0u && local == 0u) {
        history[2u * depth + (step % depth) * config.n_neurons * config.n_instances + k] = spikes[k];
    }
    if (config.n_sweep > 0u && local == 0u) {
        for (var r = 0u; r < rule_count(); r = r + 1u) {
            let rule = rule_of(instance, r);
            if (pre - rule.vt_first < rule.vt_size) {
                let at = (r * config.n_instances + instance) * MODULATOR_WORDS;
                atomicAdd(&modulators[at + 2u + step % 2u], 1u);
            }
        }
    }
    if (local == 0u) {
        for (var j = 0u; j < config.n_astrocyte_inputs; j = j + 1u) {
            let input = 2u * config.n_astrocytes + 4u * j;
            if (pre - astrocytes[input] < astrocytes[input + 1u]) {
                let at = config.astrocyte_base + (config.n_astrocytes + j) * config.n_instances + instance;
                atomicAdd(&modulators[at], 1u);
            }
        }
    }
    for (var s = row_start[pre] + local; s < row_start[pre + 1u]; s = s + PROPAGATE_WORKGROUP) {
        let synapse = synapses[s];
        let rule = synapse_rule(instance, s);
        var level = 0.0;
        if (rule.modulator == MODULATOR_ASTROCYTE) {
            level = bitcast<f32>(atomicLoad(&modulators[astrocyte_at(rule.vt_first, instance)]));
        }
        let w = pre_event(instance, s, rule, step, stdp_gain(rule, level));
        let fixed = i32(round(rounded(w * rule.weight_scale)));
        deliver_to_ring(instance, step, synapse.y & 0xFFFFu, synapse.x, fixed);
    }
}
