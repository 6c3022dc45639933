// The postsynaptic side of plasticity: a spike of neuron j at step t reaches its
// plastic synapses of delay d at step t + d (NEST's dendritic delay). This dispatch,
// after propagate_prepare and before propagation, has one workgroup per spike of the
// last `history_depth − 1` steps (propagate_prepare sized it from the history's
// counts): `post_lanes` invocations per spike, so a workgroup takes several spikes
// when the parts are short. The spike of step t − d walks the part of j's
// transposed row with delay d, found by binary search (rows are sorted by delay),
// and facilitates each synapse.
// A synapse is reached by at most one spike per step, so one invocation writes it.
// Twin: src/cpu/plastic_post.rs.

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(1) var<storage, read_write> counters: Counters;
@group(0) @binding(2) var<storage, read> history: array<u32>;
@group(0) @binding(3) var<storage, read> post_start: array<u32>;
@group(0) @binding(4) var<storage, read> post_synapse: array<u32>;
@group(0) @binding(5) var<storage, read> synapses: array<vec2<u32>>;
// Binding 6: the plasticity rules, `rules`, in a uniform or storage buffer (generated
// by src/gpu/uniform_tables.rs).
@group(0) @binding(7) var<storage, read> rule_params: array<u32>;
@group(0) @binding(8) var<storage, read_write> syn_state: array<u32>;
// Read here for the astrocyte levels (src/plan/layout.rs `astrocyte_base`) and the
// three-factor rules' modulator histories (common/modulator.wgsl).
@group(0) @binding(9) var<storage, read> modulators: array<u32>;

fn modulator_word(i: u32) -> u32 {
    return modulators[i];
}

// The first index in [begin, end) of the transposed row whose synapse's delay is at
// least `delay`.
fn first_with_delay(begin: u32, end: u32, delay: u32) -> u32 {
    var low = begin;
    var high = end;
    while (low < high) {
        let mid = low + (high - low) / 2u;
        if ((synapses[post_synapse[mid]].y & 0xFFFFu) < delay) {
            low = mid + 1u;
        } else {
            high = mid;
        }
    }
    return low;
}

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let lanes = config.post_lanes;
    let w = (wg.y * groups.x + wg.x) * (PROPAGATE_WORKGROUP / lanes) + local / lanes;
    let lane = local % lanes;
    let depth = config.history_depth;
    if (w >= history[2u * depth - 1u]) {
        return;
    }
    // The window's prefix sums: spikes of steps t − 1 … t − d are [0, history[depth + d]).
    var d = 1u;
    while (w >= history[depth + d]) {
        d = d + 1u;
    }
    let step = atomicLoad(&counters.prop_step);
    let slot = (step - d) % depth;
    let gid = history[2u * depth + slot * config.n_neurons * config.n_instances + w - history[depth + d - 1u]];
    let instance = gid / config.n_neurons;
    let post = gid - instance * config.n_neurons;
    let begin = first_with_delay(post_start[post], post_start[post + 1u], d);
    let end = first_with_delay(begin, post_start[post + 1u], d + 1u);
    for (var i = begin + lane; i < end; i = i + lanes) {
        let s = post_synapse[i];
        let rule = synapse_rule(instance, s);
        var level = 0.0;
        if (rule.modulator == MODULATOR_ASTROCYTE) {
            level = bitcast<f32>(modulators[astrocyte_at(rule.vt_first, instance)]);
        }
        post_event(instance, s, rule, step, stdp_gain(rule, level));
    }
    check_loop_limit(STAGE_PLASTIC_POST);
}
