// The forward pass of training: step `step.step` of every instance and neuron.
// Twin: src/cpu/train_forward.rs (equations and layout there).

@group(0) @binding(0) var<uniform> config: TrainConfig;
@group(0) @binding(1) var<uniform> step: TrainStep;
@group(0) @binding(2) var<storage, read> layers: array<LayerParams>;
@group(0) @binding(3) var<storage, read> connections: array<ConnectionPlan>;
@group(0) @binding(4) var<storage, read> weights: array<f32>;
@group(0) @binding(5) var<storage, read> delays: array<u32>;
// [instance][neuron]: (V relative to rest, I, adaptation, e-prop's ψ of the step).
@group(0) @binding(6) var<storage, read_write> state: array<vec4<f32>>;
// [instance][step][word]: spike bits.
@group(0) @binding(7) var<storage, read_write> spikes: array<atomic<u32>>;
// [instance][step][neuron]: LIF, the current before the step's input; readout, V.
@group(0) @binding(8) var<storage, read_write> recorded: array<f32>;

fn spiked(instance: u32, at_step: u32, neuron: u32) -> bool {
    return spike_bit(atomicLoad(&spikes[spike_word(instance, at_step, neuron)]), neuron) == 1u;
}

@compute @workgroup_size(TRAIN_WORKGROUP)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
    let at = invocation(wg, groups, local, config.active_first, config.active_count);
    if (at.layer == NO_LAYER) {
        return;
    }
    let id = at.id;
    let b = at.instance;
    let j = at.neuron;
    let l = at.layer;
    let n = step.step;
    let layer = layers[l];
    if (layer.role == ROLE_INPUT) {
        return;
    }
    let k = j - layer.offset;
    var input = 0.0;
    for (var c = 0u; c < config.connections; c++) {
        let conn = connections[c];
        if (conn.post_layer != l) {
            continue;
        }
        let pre = layers[conn.pre_layer];
        if (conn.delay != 0u) {
            // One delay: the set bits of one step's words, in index order.
            if (n < conn.delay) {
                continue;
            }
            let row = (b * config.steps + n - conn.delay) * config.words;
            for (var w = pre.offset / 32u; w < (pre.offset + pre.size + 31u) / 32u; w++) {
                var bits = atomicLoad(&spikes[row + w]);
                while (bits != 0u) {
                    let i = w * 32u + countTrailingZeros(bits) - pre.offset;
                    bits = bits & (bits - 1u);
                    input = rounded(input + weights[conn.synapse_offset + i * layer.size + k]);
                }
            }
            continue;
        }
        for (var i = 0u; i < pre.size; i++) {
            let s = conn.synapse_offset + i * layer.size + k;
            let d = delays[s];
            if (n >= d && spiked(b, n - d, pre.offset + i)) {
                input = rounded(input + weights[s]);
            }
        }
    }
    let x = state[id];
    var v = rounded(rounded(layer.p22 * x.x) + rounded(layer.p21 * x.y));
    let i_before = rounded(layer.p11 * x.y);
    let i_after = rounded(i_before + input);
    let record = (b * config.steps + n) * config.neurons + j;
    var a = x.z;
    var psi = x.w;
    if (layer.role == ROLE_READOUT) {
        recorded[record] = v;
    } else {
        recorded[record] = i_before;
        let threshold = rounded(layer.theta + rounded(layer.beta * a));
        let distance = abs(rounded(v - threshold));
        let closeness = max(rounded(1.0 - rounded(distance * layer.inv_range)), 0.0);
        psi = rounded(rounded(config.gamma * layer.inv_range) * closeness);
        var z = 0.0;
        if (v >= threshold) {
            v = layer.v_reset;
            z = 1.0;
            atomicOr(&spikes[spike_word(b, n, j)], 1u << (j % 32u));
        }
        a = rounded(rounded(layer.rho * a) + z);
    }
    state[id] = vec4<f32>(v, i_after, a, psi);
}
