// The backward pass of EventProp: step `step.step` of every instance and neuron,
// from the end of the trial toward its start. Twin: src/cpu/train_backward.rs
// (equations there; derivation in src/train/eventprop.rs).

@group(0) @binding(0) var<uniform> config: TrainConfig;
@group(0) @binding(1) var<uniform> step: TrainStep;
@group(0) @binding(2) var<storage, read> layers: array<LayerParams>;
@group(0) @binding(3) var<storage, read> connections: array<ConnectionPlan>;
@group(0) @binding(4) var<storage, read> weights: array<f32>;
@group(0) @binding(5) var<storage, read> delays: array<u32>;
@group(0) @binding(6) var<storage, read> spikes: array<u32>;
@group(0) @binding(7) var<storage, read> recorded: array<f32>;
// [instance][step][output neuron]: readout ∂L/∂V, LIF ∂L/∂t of its spike.
@group(0) @binding(8) var<storage, read> sources: array<f32>;
// [instance][neuron]: (λ_V, λ_I).
@group(0) @binding(9) var<storage, read_write> adjoint: array<vec2<f32>>;
// [slot][instance][neuron]: λ at the end of step `slot` (mod depth).
@group(0) @binding(10) var<storage, read_write> ring: array<vec2<f32>>;
// [instance][synapse]: (∂L/∂w, ∂L/∂d).
@group(0) @binding(11) var<storage, read_write> gradients: array<vec2<f32>>;

const MIN_SLOPE: f32 = 1e-3;

@compute @workgroup_size(TRAIN_WORKGROUP)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
    let at = invocation(wg, groups, local, 0u, config.neurons);
    if (at.layer == NO_LAYER) {
        return;
    }
    let id = at.id;
    let b = at.instance;
    let j = at.neuron;
    let l = at.layer;
    let n = step.step;
    let layer = layers[l];
    let k = j - layer.offset;
    let lambda = adjoint[id];
    var lv = lambda.x;
    let li = lambda.y;
    ring[((n % config.depth) * config.instances + b) * config.neurons + j] = lambda;
    let here = (b * config.steps + n) * config.neurons + j;
    var source = 0.0;
    if (l == config.output) {
        source = sources[(b * config.steps + n) * layers[l].size + k];
    }
    if (spike_bit(spikes[spike_word(b, n, j)], j) == 1u) {
        var sum = 0.0;
        for (var c = 0u; c < config.connections; c++) {
            let conn = connections[c];
            if (conn.pre_layer != l) {
                continue;
            }
            let post = layers[conn.post_layer];
            for (var q = 0u; q < post.size; q++) {
                let s = conn.synapse_offset + k * post.size + q;
                let arrival = n + delays[s];
                if (arrival >= config.steps) {
                    continue;
                }
                let at = ring[((arrival % config.depth) * config.instances + b) * config.neurons + post.offset + q];
                let g = rounded(weights[s] * rounded(rounded(at.y * post.inv_tau_syn) - rounded(at.x * post.inv_cm)));
                let gs = b * config.synapses + s;
                let old = gradients[gs];
                gradients[gs] = vec2<f32>(rounded(old.x + at.y), rounded(old.y + g));
                sum = rounded(sum + g);
            }
        }
        if (layer.role == ROLE_LIF) {
            let current = rounded(recorded[here] * layer.inv_cm);
            let before = rounded(current - rounded(layer.theta * layer.inv_tau_m));
            let after = rounded(current - rounded(layer.v_reset * layer.inv_tau_m));
            let dl_dt = rounded(sum + source);
            let inv_slope = det_recip(max(before, MIN_SLOPE));
            lv = rounded(rounded(rounded(after * lv) - dl_dt) * inv_slope);
        }
    }
    if (layer.role == ROLE_INPUT) {
        return;
    }
    if (layer.role == ROLE_READOUT) {
        lv = rounded(lv + source);
    }
    adjoint[id] = vec2<f32>(rounded(layer.p22 * lv), rounded(rounded(layer.p21 * lv) + rounded(layer.p11 * li)));
}
