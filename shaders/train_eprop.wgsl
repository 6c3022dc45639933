// e-prop: step `step.step` of every instance and neuron, after the forward step.
// Twin: src/cpu/train_eprop.rs (equations there).

@group(0) @binding(0) var<uniform> config: TrainConfig;
@group(0) @binding(1) var<uniform> step: TrainStep;
@group(0) @binding(2) var<storage, read> layers: array<LayerParams>;
@group(0) @binding(3) var<storage, read> connections: array<ConnectionPlan>;
@group(0) @binding(4) var<storage, read> delays: array<u32>;
@group(0) @binding(5) var<storage, read> spikes: array<u32>;
@group(0) @binding(6) var<storage, read> recorded: array<f32>;
// [instance][neuron]: the forward state; .w is the step's pseudo-derivative ψ.
@group(0) @binding(7) var<storage, read> state: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> labels: array<u32>;
// [neuron][output]: the learning signal's weights.
@group(0) @binding(9) var<storage, read> feedback: array<f32>;
// [instance][synapse][5]: ε_V, ε_I, ε_a, ē_V, ē_I.
@group(0) @binding(10) var<storage, read_write> eligibility: array<f32>;
// [instance][synapse]: (∂L/∂w, unused).
@group(0) @binding(11) var<storage, read_write> gradients: array<vec2<f32>>;

fn potential(b: u32, n: u32, j: u32) -> f32 {
    return recorded[(b * config.steps + n) * config.neurons + j];
}

fn spiked(b: u32, at_step: u32, neuron: u32) -> bool {
    return spike_bit(spikes[spike_word(b, at_step, neuron)], neuron) == 1u;
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
    let out = layers[config.output];
    // The softmax of the readouts at this step.
    var top = -3.40282347e38;
    for (var c = 0u; c < out.size; c++) {
        top = max(top, potential(b, n, out.offset + c));
    }
    var total = 0.0;
    for (var c = 0u; c < out.size; c++) {
        total = rounded(total + det_exp(rounded(potential(b, n, out.offset + c) - top)));
    }
    let inv_total = det_recip(total);
    let readout = layer.role == ROLE_READOUT;
    let k = j - layer.offset;
    var signal = 0.0;
    for (var c = 0u; c < out.size; c++) {
        let p = rounded(det_exp(rounded(potential(b, n, out.offset + c) - top)) * inv_total);
        var y = 0.0;
        if (c == labels[b]) {
            y = 1.0;
        }
        let delta = rounded(rounded(p - y) * config.inv_steps);
        if (readout) {
            if (l == config.output && c == k) {
                signal = delta;
            }
        } else {
            signal = rounded(signal + rounded(feedback[j * out.size + c] * delta));
        }
    }
    let psi = state[id].w;
    for (var c = 0u; c < config.connections; c++) {
        let conn = connections[c];
        if (conn.post_layer != l) {
            continue;
        }
        let pre = layers[conn.pre_layer];
        for (var i = 0u; i < pre.size; i++) {
            let s = conn.synapse_offset + i * layer.size + k;
            let d = delays[s];
            var arrived = 0.0;
            if (n >= d && spiked(b, n - d, pre.offset + i)) {
                arrived = 1.0;
            }
            let g = b * config.synapses + s;
            let base = 5u * g;
            let ev = rounded(rounded(layer.p22 * eligibility[base]) + rounded(layer.p21 * eligibility[base + 1u]));
            let ei = rounded(rounded(layer.p11 * eligibility[base + 1u]) + arrived);
            eligibility[base] = ev;
            eligibility[base + 1u] = ei;
            if (readout) {
                gradients[g].x = rounded(gradients[g].x + rounded(signal * ev));
                continue;
            }
            let e = rounded(psi * rounded(ev - rounded(layer.beta * eligibility[base + 2u])));
            let ea = rounded(rounded(layer.rho * eligibility[base + 2u]) + e);
            let bv = rounded(rounded(out.p22 * eligibility[base + 3u]) + rounded(out.p21 * eligibility[base + 4u]));
            let bi = rounded(rounded(out.p11 * eligibility[base + 4u]) + e);
            eligibility[base + 2u] = ea;
            eligibility[base + 3u] = bv;
            eligibility[base + 4u] = bi;
            gradients[g].x = rounded(gradients[g].x + rounded(signal * bv));
        }
    }
}
