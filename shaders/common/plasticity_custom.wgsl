// The entry points of user-written plasticity rules, for a plan without any: the GPU
// engine replaces this file with the rules' generated code (src/gpu/custom_rule.rs).
// `s` is a synapse's (weight, variable 1, variable 2, variable 3); each returns it
// updated. Stages that include this file include PLASTICITY.

fn custom_pre_event(index: u32, rule: PlasticRule, s: vec4<f32>, x: f32, y: f32, step: u32) -> vec4<f32> {
    return s;
}

fn custom_post_event(index: u32, rule: PlasticRule, s: vec4<f32>, x: f32, y: f32, step: u32) -> vec4<f32> {
    return s;
}

fn custom_step(index: u32, rule: PlasticRule, s: vec4<f32>, x: f32, y: f32, step: u32) -> vec4<f32> {
    return s;
}
