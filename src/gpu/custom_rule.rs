//! WGSL for user-written plasticity rules: for each rule one function per snippet
//! (`on_pre`, `on_post`, `each_step`) that unpacks the synapse, its parameters and the
//! traces under their names, runs the snippet and packs the result, and the
//! `custom_pre_event` / `custom_post_event` / `custom_step` entry points that choose
//! the rule by index. It replaces `shaders/common/plasticity_custom.wgsl`. Each snippet
//! is its own `ShaderFile`, so naga's errors are reported at its line and column.

use super::shaders::ShaderFile;
use crate::model::CustomRule;

/// Parameter k of a rule in the rule table: `c` holds the first four, `m` the rest.
fn parameter_slot(k: usize) -> String {
    let lane = ["x", "y", "z", "w"][k % 4];
    if k < 4 {
        format!("rule.c.{lane}")
    } else {
        format!("rule.m.{lane}")
    }
}

/// The generated files for `rules` (indexed as the plan's `custom_rules`), steps of
/// `dt_ms`.
pub fn generate(rules: &[CustomRule], dt_ms: f64) -> Vec<ShaderFile> {
    let entry_points = [
        ("custom_pre_event", "on_pre"),
        ("custom_post_event", "on_post"),
        ("custom_step", "each_step"),
    ];
    let mut files = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let name = &rule.name;
        for (snippet, code) in rule.snippets() {
            let mut head = format!(
                "// Generated for the custom plasticity rule `{name}`, {snippet}.\n\
                 fn rule_{index}_{snippet}(rule: PlasticRule, s: vec4<f32>, x: f32, y: f32, step: u32) -> vec4<f32> {{\n\
                 let dt = bitcast<f32>({:#010x}u);\n\
                 var w = s.x;\n",
                (dt_ms as f32).to_bits()
            );
            for (k, parameter) in rule.parameters.keys().enumerate() {
                head += &format!("let {parameter} = {};\n", parameter_slot(k));
            }
            let lanes = ["y", "z", "w"];
            for (k, variable) in rule.variables.keys().enumerate() {
                head += &format!("var {variable} = s.{};\n", lanes[k]);
            }
            head += "{\n";
            let mut packed: Vec<String> = lanes.iter().map(|lane| format!("s.{lane}")).collect();
            for (k, variable) in rule.variables.keys().enumerate() {
                packed[k] = variable.clone();
            }
            // A weight or variable NaN or infinite stops the run (clamp would hide a
            // NaN as whatever the driver makes of it).
            let checked: Vec<String> = std::iter::once("w".to_string())
                .chain(rule.variables.keys().cloned())
                .map(|v| format!("is_nonfinite({v})"))
                .collect();
            let tail = format!(
                "}}\nif ({}) {{ report_rule_nonfinite(step, {index}u); }}\n\
                 return vec4<f32>(clamp(w, rule.w_min, rule.w_max), {});\n}}\n",
                checked.join(" || "),
                packed.join(", ")
            );
            files.push(ShaderFile::text(
                format!("custom rule `{name}`, generated {snippet} header"),
                head,
            ));
            files.push(ShaderFile::text(
                format!("custom rule `{name}`, {snippet}"),
                code.to_string(),
            ));
            files.push(ShaderFile::text(
                format!("custom rule `{name}`, generated {snippet} footer"),
                tail,
            ));
        }
    }
    let mut dispatch = String::from("// Generated: the custom rules' entry points.\n");
    for (entry, snippet) in entry_points {
        dispatch += &format!(
            "fn {entry}(index: u32, rule: PlasticRule, s: vec4<f32>, x: f32, y: f32, step: u32) -> vec4<f32> {{\n\
             var out = s;\n\
             switch index {{\n"
        );
        for index in 0..rules.len() {
            dispatch += &format!(
                "case {index}u: {{ out = rule_{index}_{snippet}(rule, s, x, y, step); }}\n"
            );
        }
        dispatch += "default: {}\n}\nreturn out;\n}\n";
    }
    files.push(ShaderFile::text(
        "custom rules, generated entry points",
        dispatch,
    ));
    files
}
