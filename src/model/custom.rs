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
    /// Refractory period after a spike (ms), rounded up to whole steps: no spike
    /// while refractory (`update` still runs; it may test `refractory`).
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

/// The names the generated code gives the snippets (`dt`, the inputs, …): they may
/// use them but not declare them.
pub const SNIPPET_NAMES: &[&str] = &[
    "dt",
    "neuron",
    "step",
    "I_syn_E",
    "I_syn_I",
    "I_stim",
    "refractory",
    "rounded",
];

/// The engine's own names around the snippets (the generated code's locals, the
/// shader's bindings and functions): a snippet may not use them at all.
pub const ENGINE_NAMES: &[&str] = &[
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

/// Whether a custom model may not declare `name`: the generated code or WGSL has it.
pub fn is_reserved(name: &str) -> bool {
    [SNIPPET_NAMES, ENGINE_NAMES, WGSL_WORDS]
        .iter()
        .any(|names| names.contains(&name))
}

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
            && name != "_"
    }

    /// Whether `other` generates the same WGSL (its values may differ: they are in
    /// the parameter block and the initial state, not the code).
    pub fn same_code(&self, other: &Self) -> bool {
        self.parameters.keys().eq(other.parameters.keys())
            && self.state.keys().eq(other.state.keys())
            && (self.update == other.update)
            && (self.threshold == other.threshold)
            && (self.reset == other.reset)
            && (self.receptors == other.receptors)
    }

    /// What is wrong with a snippet, if anything, and in which: see [`snippet_fault`].
    /// Its declared names, the receptor ports' `I_syn_<port>` and the reserved names
    /// may not be declared again in `update` or `reset`.
    pub fn snippet_fault(&self) -> Option<(&'static str, String)> {
        let ports: Vec<String> = self
            .receptors
            .iter()
            .map(|p| format!("I_syn_{p}"))
            .collect();
        let own: Vec<&str> = (self.parameters.keys().chain(self.state.keys()))
            .map(String::as_str)
            .chain(ports.iter().map(String::as_str))
            .collect();
        [
            ("update", &self.update),
            ("threshold", &self.threshold),
            ("reset", &self.reset),
        ]
        .into_iter()
        .find_map(|(name, text)| {
            snippet_fault(text, &own, SNIPPET_NAMES, ENGINE_NAMES).map(|fault| (name, fault))
        })
    }
}

/// What is wrong with a user's WGSL `snippet` before it is spliced into generated
/// code (naga then checks the rest): a bracket it closes that it did not open, or
/// leaves open (it would end the generated function, and could add code outside
/// it), a comment it leaves open, or a `let`, `var` or `const` of one of `own` names
/// or of `reserved` (which would shadow the generated one: the value would be lost)
/// or WGSL's own words, or any use of an `internal` name (the engine's bindings and
/// locals, which a snippet could otherwise read or write). Comments are read past.
pub fn snippet_fault(
    snippet: &str,
    own: &[&str],
    reserved: &[&str],
    internal: &[&str],
) -> Option<String> {
    let code = match without_comments(snippet) {
        Ok(code) => code,
        Err(fault) => return Some(fault),
    };
    let mut open: Vec<char> = Vec::new();
    for c in code.chars() {
        match c {
            '(' | '[' | '{' => open.push(c),
            ')' | ']' | '}' => {
                let opener = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.pop() != Some(opener) {
                    return Some(format!(
                        "`{c}` closes what the snippet did not open: a snippet stays \
                         inside the generated function"
                    ));
                }
            }
            _ => {}
        }
    }
    if let Some(c) = open.last() {
        return Some(format!("`{c}` is never closed"));
    }
    // Identifiers, each with whether a `.` precedes it (a member or swizzle, `v.r`,
    // which names nothing of the engine's).
    let mut words: Vec<(&str, bool)> = Vec::new();
    let mut start = None;
    for (at, c) in code.char_indices().chain([(code.len(), ' ')]) {
        let part = c.is_ascii_alphanumeric() || c == '_';
        match (part, start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                let member = code[..from].trim_end().ends_with('.');
                words.push((&code[from..at], member));
                start = None;
            }
            _ => {}
        }
    }
    if let Some((name, _)) = words
        .iter()
        .find(|(w, member)| !member && internal.contains(w))
    {
        return Some(format!(
            "the snippet uses `{name}`, the engine's own (its bindings and locals are not \
             for snippets)"
        ));
    }
    if words.iter().any(|(w, member)| !member && *w == "return") {
        return Some(
            "the snippet returns: the generated code after it (the state's store, the \
             checks) would not run"
                .into(),
        );
    }
    let words: Vec<&str> = words.into_iter().map(|(w, _)| w).collect();
    words.windows(2).find_map(|pair| {
        let name = pair[1];
        let what = if own.contains(&name) {
            "a declared name, which the generated code keeps: assign to it instead"
        } else if reserved.contains(&name) || WGSL_WORDS.contains(&name) {
            "a reserved name; use another name"
        } else {
            return None;
        };
        matches!(pair[0], "let" | "var" | "const")
            .then(|| format!("the snippet declares `{name}`, {what}"))
    })
}

/// `snippet` with its comments (`//` to the line's end, `/* */` nested, as WGSL
/// reads them) blanked, or why it cannot be read.
fn without_comments(snippet: &str) -> Result<String, String> {
    let mut out = String::with_capacity(snippet.len());
    let mut chars = snippet.chars().peekable();
    let mut depth = 0u32;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match (c, next) {
            ('/', Some('*')) => {
                chars.next();
                depth += 1;
                out.push_str("  ");
            }
            ('*', Some('/')) if depth > 0 => {
                chars.next();
                depth -= 1;
                out.push_str("  ");
            }
            ('/', Some('/')) if depth == 0 => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            _ if depth > 0 => out.push(if c == '\n' { '\n' } else { ' ' }),
            _ => out.push(c),
        }
    }
    if depth > 0 {
        return Err("a `/*` comment is never closed".into());
    }
    Ok(out)
}
