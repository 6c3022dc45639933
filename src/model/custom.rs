//! Neuron models written by the user in WGSL: declared parameters and state variables,
//! and snippets for the per-step update, the threshold condition and the reset. The
//! plan splices them into the neuron-update stage (`plan::custom`), naga validates the
//! result, and errors are reported at the line and column of the user's snippet.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A user-defined neuron model.
///
/// In the snippets, every parameter is an `f32` constant and every state variable an
/// `f32` variable, under its declared name; also available: `dt` (ms), `I_syn_<port>`
/// for every receptor port (`I_syn_E`, `I_syn_I` by default: this step's synaptic
/// input, in the units of the weights),
/// `I_stim` (DC input, nA), `refractory` (true while the neuron is refractory; the
/// counter is managed for you), `neuron` (its index in the population), `step`
/// (the step being integrated) and `rounded(x)` (see `shaders/common/rounding.wgsl`:
/// wrap intermediate results in it when the result must be bit-reproducible).
///
/// ```text
/// update:    if (!refractory) { v = rounded(rounded(p22 * v) + rounded(p20 * I_stim)); }
/// threshold: v >= theta
/// reset:     v = v_reset;
/// ```
///
/// Custom models run on the GPU backend only: the CPU reference cannot execute WGSL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomNeuron {
    /// The model's name, used in error messages.
    pub name: String,
    /// Parameter names and values (one value per population).
    #[serde(default)]
    pub parameters: BTreeMap<String, f64>,
    /// State variable names and initial values (the population's `initial` values,
    /// if given, replace these).
    pub state: BTreeMap<String, f64>,
    /// WGSL statements run every step.
    #[serde(default)]
    pub update: String,
    /// A WGSL `bool` expression: the neuron spikes when it holds after the update.
    pub threshold: String,
    /// WGSL statements run after a spike.
    #[serde(default)]
    pub reset: String,
    /// Refractory period after a spike (ms), rounded up to whole steps.
    #[serde(default)]
    pub refractory_ms: f64,
    /// Names of the receptor ports, each seen in the snippets as `I_syn_<name>`: port 0
    /// is `Receptor::Excitatory`, 1 `Receptor::Inhibitory`, k `Receptor::Port(k)`. At
    /// most `MAX_RECEPTOR_PORTS`.
    #[serde(default = "default_receptors")]
    pub receptors: Vec<String>,
}

fn default_receptors() -> Vec<String> {
    vec!["E".into(), "I".into()]
}

/// The most receptor ports a neuron model may have.
pub const MAX_RECEPTOR_PORTS: usize = 4;

/// Names a custom model may not declare besides `WGSL_WORDS`: what the generated code
/// defines around the snippets and the shader's own bindings and functions.
pub const RESERVED_NAMES: &[&str] = &[
    "dt",
    "neuron",
    "step",
    "I_syn_E",
    "I_syn_I",
    "I_stim",
    "refractory",
    "rounded",
    "s",
    "r",
    "p",
    "b",
    "synaptic",
    "current",
    "spiked",
    "params",
    "param",
    "state",
    "config",
    "kind",
    "counters",
    "populations",
    "stimuli",
    "ring",
    "spikes",
    "bias",
    "stream",
    "stream_row",
    "readouts",
    "currents",
    "update_readout",
    "neuron_step",
    "population_of",
    "add_stimulus",
    "main",
    "STATE_COUNT",
    "MAX_STATE",
    "STATE_VECTORS",
];

/// WGSL's keywords and the type names the generated code uses: no declared name may
/// be one.
pub const WGSL_WORDS: &[&str] = &[
    "alias",
    "break",
    "case",
    "const",
    "const_assert",
    "continue",
    "continuing",
    "default",
    "diagnostic",
    "discard",
    "else",
    "enable",
    "false",
    "fn",
    "for",
    "if",
    "let",
    "loop",
    "override",
    "requires",
    "return",
    "struct",
    "switch",
    "true",
    "var",
    "while",
    "f32",
    "i32",
    "u32",
    "bool",
    "array",
    "vec2",
    "vec3",
    "vec4",
    "ptr",
];

/// The longest a custom model's state may be (the kernels' local state array).
pub const MAX_STATE_VARIABLES: usize = 8;

impl CustomNeuron {
    /// Whether `name` can name a parameter or a state variable.
    pub fn is_valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with("__")
    }

    /// A reserved name that a snippet declares with `let`, `var` or `const`, if any.
    pub fn redeclared_reserved_name(&self) -> Option<(&'static str, &'static str)> {
        for (snippet, text) in [("update", &self.update), ("reset", &self.reset)] {
            let words: Vec<&str> = text
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            for pair in words.windows(2) {
                if matches!(pair[0], "let" | "var" | "const") {
                    if let Some(reserved) = RESERVED_NAMES
                        .iter()
                        .chain(WGSL_WORDS)
                        .find(|n| **n == pair[1])
                    {
                        return Some((snippet, reserved));
                    }
                }
            }
        }
        None
    }
}
