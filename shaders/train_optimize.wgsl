// One optimiser step over one parameter array (weights or delays), one invocation per
// parameter. Twin: src/cpu/train_optimize.rs (arithmetic and order there).

struct OptimizeConfig {
    zero: u32,
    kind: u32,
    count: u32,
    instances: u32,
    stride: u32,
    component: u32,
    inv_instances: f32,
    learning_rate: f32,
    beta1: f32,
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
    epsilon: f32,
    inv_correction1: f32,
    inv_correction2: f32,
    floor: f32,
}

const OPTIMIZER_SGD: u32 = 0u;

@group(0) @binding(0) var<uniform> config: OptimizeConfig;
// [instance][synapse]: (∂L/∂w, ∂L/∂d).
@group(0) @binding(1) var<storage, read> gradients: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> parameters: array<f32>;
@group(0) @binding(3) var<storage, read_write> first: array<f32>;
@group(0) @binding(4) var<storage, read_write> second: array<f32>;

@compute @workgroup_size(TRAIN_WORKGROUP)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
    let s = (wg.y * groups.x + wg.x) * TRAIN_WORKGROUP + local;
    if (s >= config.count) {
        return;
    }
    var g = 0.0;
    for (var b = 0u; b < config.instances; b++) {
        g = rounded(g + gradients[b * config.stride + s][config.component]);
    }
    g = rounded(g * config.inv_instances);
    var p = parameters[s];
    if (config.kind == OPTIMIZER_SGD) {
        let m = rounded(rounded(config.beta1 * first[s]) + g);
        first[s] = m;
        p = rounded(p - rounded(config.learning_rate * m));
    } else {
        let m = rounded(rounded(config.beta1 * first[s]) + rounded(config.one_minus_beta1 * g));
        let v = rounded(rounded(config.beta2 * second[s]) + rounded(config.one_minus_beta2 * rounded(g * g)));
        first[s] = m;
        second[s] = v;
        let m_hat = rounded(m * config.inv_correction1);
        let v_hat = rounded(v * config.inv_correction2);
        let scale = det_recip(rounded(det_sqrt(v_hat) + config.epsilon));
        p = rounded(p - rounded(rounded(config.learning_rate * m_hat) * scale));
    }
    // Not `max`: a NaN must stay NaN to be reported, not become the floor.
    parameters[s] = select(p, config.floor, p < config.floor);
}
