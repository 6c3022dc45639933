//! The field's standard benchmark networks (see `MODELS.md` of the project), built
//! with the same parameters as their published sources.

use super::{
    Connectivity, IafPscExp, Network, NeuronModel, Population, Projection, Receptor, Value,
};

/// CUBA: Vogels & Abbott (2005) current-based network in the form of Brette et al.
/// (2007), benchmark 2 (Brian2 `examples/CUBA.py`).
///
/// 4000 LIF neurons (3200 excitatory, 800 inhibitory), connection probability 0.02,
/// no autapses; τm = 20 ms, τe = 5 ms, τi = 10 ms, V_t = −50 mV, V_r = −60 mV,
/// E_l = −49 mV (above threshold: the network drives itself), refractory 5 ms.
/// Brian writes the synaptic variables in mV (`v += ...` through `ge`, `gi`:
/// w_e = +1.62 mV, w_i = −9 mV); here they are currents into a 1 nF membrane,
/// `I = w · cm / τm`, which gives the same voltage dynamics. Delay: one step.
/// Initial v uniform in [V_r, V_t). Spikes of both populations are recorded.
pub fn cuba(seed: u64) -> Network {
    let dt = 0.1;
    let mut net = Network::new(dt, seed);
    let neuron = |tau_syn_e, tau_syn_i| IafPscExp {
        cm: 1.0,
        tau_m: 20.0,
        tau_syn_e,
        tau_syn_i,
        tau_refrac: 5.0,
        v_rest: -49.0,
        v_reset: -60.0,
        v_thresh: -50.0,
        i_offset: 0.0,
    };
    let model = neuron(5.0, 10.0);
    let w_e = model.current_for_voltage_drive(1.62);
    let w_i = model.current_for_voltage_drive(-9.0);
    for (name, size) in [("E", 3200), ("I", 800)] {
        net.add_population(
            Population::new(name, size, NeuronModel::IafPscExp(model.clone()))
                .with_initial_v(Value::uniform(-60.0, -50.0)),
        );
        net.record_spikes(name);
    }
    let rule = Connectivity::FixedProbability {
        p: 0.02,
        allow_autapses: false,
    };
    for (pre, weight, receptor) in [
        ("E", w_e, Receptor::Excitatory),
        ("I", w_i, Receptor::Inhibitory),
    ] {
        for post in ["E", "I"] {
            net.add_projection(Projection::new(
                pre,
                post,
                rule.clone(),
                weight,
                dt,
                receptor,
            ));
        }
    }
    net
}
