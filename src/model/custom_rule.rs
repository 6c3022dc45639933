//! Weight-update rules written by the user in WGSL: declared parameters and synaptic
//! variables, and snippets run at a presynaptic spike, at a postsynaptic spike's
//! arrival and once per step. The GPU engine splices them into the plasticity stages;
//! naga validates the result and reports errors at the snippet's line and column.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::custom::{CustomNeuron, WGSL_WORDS};

/// A user-defined plasticity rule.
///
/// In the snippets: `w` is the weight (an `f32` variable, held within
/// `[w_min, w_max]` after each snippet), every declared variable an `f32` variable and
/// every parameter an `f32` constant under its name; `x` and `y` are the presynaptic
/// and postsynaptic traces (each spike adds 1; they decay with `tau_pre`, `tau_post`);
/// `dt` (ms) and `step` (u32) are given, and `rounded(x)` fixes an intermediate
/// result for bit-reproducibility (see `shaders/common/rounding.wgsl`).
///
/// - `on_pre` runs when a presynaptic spike reaches the synapse (its step), before the
///   weight is transmitted; `x` and `y` count the spikes strictly before it.
/// - `on_post` runs when a postsynaptic spike reaches the synapse (its step plus the
///   delay, NEST's dendritic delay); `x` and `y` likewise.
/// - `each_step` runs every step after the step's spikes (which `x` and `y` count);
///   only rules that have it are swept every step.
///
/// ```text
/// on_post:   w = w + a_plus * x;          // pair STDP, additive
/// on_pre:    w = w - a_minus * y;
/// ```
///
/// Custom rules run on the GPU backend only: the CPU reference cannot execute WGSL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRule {
    /// The rule's name, used in error messages.
    pub name: String,
    /// Parameter names and values (at most `MAX_RULE_PARAMETERS`).
    #[serde(default)]
    pub parameters: BTreeMap<String, f64>,
    /// Synaptic variables and their initial values (at most `MAX_RULE_VARIABLES`).
    #[serde(default)]
    pub variables: BTreeMap<String, f64>,
    #[serde(default = "twenty")]
    pub tau_pre: f64,
    #[serde(default = "twenty")]
    pub tau_post: f64,
    #[serde(default)]
    pub on_pre: String,
    #[serde(default)]
    pub on_post: String,
    #[serde(default)]
    pub each_step: String,
    #[serde(default)]
    pub w_min: f64,
    #[serde(default = "hundred")]
    pub w_max: f64,
}

fn twenty() -> f64 {
    20.0
}

fn hundred() -> f64 {
    100.0
}

/// The most parameters a custom rule may declare (the rule table's slots).
pub const MAX_RULE_PARAMETERS: usize = 8;
/// The most synaptic variables a custom rule may declare (free words of a synapse).
pub const MAX_RULE_VARIABLES: usize = 3;

/// Names the generated code defines around a rule's snippets.
pub const RULE_RESERVED_NAMES: &[&str] = &[
    "w",
    "x",
    "y",
    "s",
    "dt",
    "step",
    "rule",
    "v",
    "clamp",
    "bitcast",
    "syn_state",
    "synapses",
    "rules",
];

/// The reserved names a rule's snippets may not use at all: the generated code's
/// packed synapse and the shader's bindings (`rule`, the rule's own table entry,
/// may be read: `rule.w_max` for soft bounds).
pub const RULE_INTERNAL_NAMES: &[&str] = &["s", "syn_state", "synapses", "rules"];

impl CustomRule {
    /// Whether `name` can name a parameter or variable of a rule.
    pub fn is_free_name(name: &str) -> bool {
        CustomNeuron::is_valid_name(name)
            && !WGSL_WORDS.contains(&name)
            && !RULE_RESERVED_NAMES.contains(&name)
    }

    /// Whether `other` generates the same WGSL (its values may differ: they are in
    /// the rule table, not the code).
    pub fn same_code(&self, other: &Self) -> bool {
        self.parameters.keys().eq(other.parameters.keys())
            && self.variables.keys().eq(other.variables.keys())
            && self.snippets() == other.snippets()
    }

    /// The snippets by name.
    pub fn snippets(&self) -> [(&'static str, &str); 3] {
        [
            ("on_pre", &self.on_pre),
            ("on_post", &self.on_post),
            ("each_step", &self.each_step),
        ]
    }
}
