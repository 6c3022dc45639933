//! NEST models as SONATA names them (`model_template = "nest:iaf_psc_alpha"`), mapped
//! onto neurodyn's: NEST's parameter names, units (pF, pA, nS) and defaults, which
//! differ from PyNN's, converted to ours (nF, nA, µS).

use serde_json::{Map, Value as Json};

use crate::model::NeuronModel;

/// A NEST parameter: its name, our field, the factor from NEST's unit to ours.
type Param = (&'static str, &'static str, f64);

const MEMBRANE: [Param; 6] = [
    ("C_m", "cm", 1e-3),
    ("t_ref", "tau_refrac", 1.0),
    ("E_L", "v_rest", 1.0),
    ("V_reset", "v_reset", 1.0),
    ("V_th", "v_thresh", 1.0),
    ("I_e", "i_offset", 1e-3),
];
const SYNAPSES: [Param; 2] = [
    ("tau_syn_ex", "tau_syn_E", 1.0),
    ("tau_syn_in", "tau_syn_I", 1.0),
];
const REVERSALS: [Param; 2] = [("E_ex", "e_rev_E", 1.0), ("E_in", "e_rev_I", 1.0)];

/// The NEST point-neuron models read, and how their weights convert.
pub const SUPPORTED: [&str; 5] = [
    "iaf_psc_alpha",
    "iaf_psc_exp",
    "iaf_psc_delta",
    "iaf_cond_exp",
    "iaf_cond_alpha",
];

/// A NEST neuron as neurodyn runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct NestNeuron {
    pub model: NeuronModel,
    /// `V_m`: the initial membrane potential (mV).
    pub v_init: f64,
    /// Our weight unit per NEST's (pA → nA, nS → µS, mV → mV).
    pub weight_factor: f64,
    /// Conductance-based: NEST's negative weights are inhibitory conductances.
    pub conductance: bool,
}

/// NEST's default of each parameter of `model` (NEST 3).
fn defaults(model: &str) -> Vec<(&'static str, f64)> {
    let mut d = vec![
        ("C_m", 250.0),
        ("tau_m", 10.0),
        ("t_ref", 2.0),
        ("E_L", -70.0),
        ("V_reset", -70.0),
        ("V_th", -55.0),
        ("I_e", 0.0),
        ("V_m", -70.0),
    ];
    match model {
        "iaf_psc_alpha" | "iaf_psc_exp" => d.extend([("tau_syn_ex", 2.0), ("tau_syn_in", 2.0)]),
        "iaf_cond_exp" | "iaf_cond_alpha" => {
            d.retain(|(n, _)| *n != "tau_m" && *n != "V_reset");
            d.extend([
                ("V_reset", -60.0),
                ("g_L", 16.6667),
                ("E_ex", 0.0),
                ("E_in", -85.0),
                ("tau_syn_ex", 0.2),
                ("tau_syn_in", 2.0),
            ]);
        }
        _ => {}
    }
    d
}

/// The neuron of NEST model `name` with `params` (a `dynamics_params` file's object).
pub fn neuron(name: &str, params: &Map<String, Json>) -> Result<NestNeuron, String> {
    if !SUPPORTED.contains(&name) {
        return Err(format!(
            "the NEST model `{name}` is not supported (supported: {})",
            SUPPORTED.join(", ")
        ));
    }
    let mut values: Vec<(&str, f64)> = defaults(name);
    let mut unknown = Vec::new();
    for (key, value) in params {
        // NEST's own switch whose default neurodyn follows.
        if name == "iaf_psc_delta" && key == "refractory_input" && value == &Json::Bool(false) {
            continue;
        }
        match (values.iter_mut().find(|(n, _)| n == key), value.as_f64()) {
            (Some(slot), Some(x)) => slot.1 = x,
            (Some(_), None) => return Err(format!("`{key}` = {value} is not a number")),
            (None, _) => unknown.push(key.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(format!(
            "`{name}` parameters not supported: {} (supported: {})",
            unknown.join(", "),
            values
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let get = |n: &str| values.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
    let mut ours = Map::new();
    ours.insert("model".into(), Json::from(name));
    let conductance = name.starts_with("iaf_cond");
    let mut table: Vec<Param> = MEMBRANE.to_vec();
    if name != "iaf_psc_delta" {
        table.extend(SYNAPSES);
    }
    if conductance {
        table.extend(REVERSALS);
        // NEST gives the leak conductance; the membrane time constant is C_m / g_L.
        let (c, g) = (get("C_m").expect("default"), get("g_L").expect("default"));
        ours.insert("tau_m".into(), Json::from(c / g));
    } else {
        table.push(("tau_m", "tau_m", 1.0));
    }
    for (nest, field, factor) in table {
        ours.insert(
            field.into(),
            Json::from(get(nest).expect("default") * factor),
        );
    }
    let model: NeuronModel =
        serde_json::from_value(Json::Object(ours)).map_err(|e| e.to_string())?;
    Ok(NestNeuron {
        model,
        v_init: get("V_m").expect("default"),
        weight_factor: if name == "iaf_psc_delta" { 1.0 } else { 1e-3 },
        conductance,
    })
}
