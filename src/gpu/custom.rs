//! WGSL for a user's neuron model: the declarations and glue the neuron-update stage
//! expects (`STATE_COUNT`, `neuron_step`) around the user's snippets. Each snippet is
//! its own `ShaderFile`, starting on its own line, so naga's errors are reported at
//! the snippet's line and column.

use super::shaders::ShaderFile;
use crate::model::CustomNeuron;

/// The model's pieces, in order, for `shaders::neuron_update_with`.
pub fn generate(model: &CustomNeuron) -> Vec<ShaderFile> {
    let name = &model.name;
    let generated = |part: &str, text: String| {
        ShaderFile::text(format!("custom model `{name}`, generated {part}"), text)
    };
    let snippet = |part: &str, text: &str| {
        ShaderFile::text(format!("custom model `{name}`, {part}"), text.to_string())
    };

    let mut head = format!(
        "// Generated for the custom neuron model `{name}`.\n\
         const STATE_COUNT: u32 = {}u;\n\
         fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {{\n\
         let b = p.param_offset;\n\
         let dt = param(b);\n",
        model.state.len()
    );
    for (i, parameter) in model.parameters.keys().enumerate() {
        head += &format!("let {parameter} = param(b + {}u);\n", i + 1);
    }
    for (i, variable) in model.state.keys().enumerate() {
        head += &format!("var {variable} = (*s)[{i}];\n");
    }
    for (i, port) in model.receptors.iter().enumerate() {
        head += &format!("let I_syn_{port} = synaptic[{i}];\n");
    }
    head += "let I_stim = current;\n\
             let refractory = *r > 0u;\nif (refractory) { *r = *r - 1u; }\n{\n";
    let after_reset = {
        let mut t = String::from("}\n");
        for (i, variable) in model.state.keys().enumerate() {
            t += &format!("(*s)[{i}] = {variable};\n");
        }
        t += "return spiked;\n}\n";
        t
    };
    vec![
        generated("header", head),
        snippet("update", &model.update),
        // No spike while refractory, whatever the threshold says.
        generated("threshold", "}\nlet spiked = !refractory && (\n".into()),
        snippet("threshold", &model.threshold),
        generated(
            "reset",
            ");\nif (spiked) {\n*r = p.refractory_steps;\n".into(),
        ),
        snippet("reset", &model.reset),
        generated("footer", after_reset),
    ]
}
