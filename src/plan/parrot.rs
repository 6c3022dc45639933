//! A parrot neuron repeats every spike it receives, whatever the synapse's weight, as
//! NEST's `parrot_neuron` does (it ignores weights). So its inputs are lowered as
//! events: every synapse and Poisson stimulus onto a parrot delivers one unit, +1 on
//! the excitatory port and −1 on the inhibitory one. A weight of 0, inputs whose
//! weights would cancel, or a weight too small for its port's fixed-point unit then
//! still make the parrot spike, and the port's unit is sized for counts of events.
//! Synapses onto a parrot written out as an edge list (`Plan::stored_edges`) carry
//! that unit as their weight.

use std::borrow::Cow;

use crate::model::{Network, NeuronModel, Receptor, Sweep, Value};

/// `network` with the weights of every input onto a parrot replaced by its event
/// unit; the network itself where no parrot has inputs.
pub fn inputs_as_events(network: &Network) -> Cow<'_, Network> {
    let is_parrot = |name: &str| {
        network
            .population(name)
            .is_some_and(|p| matches!(p.neuron, NeuronModel::ParrotNeuron(_)))
    };
    let into_parrots: Vec<usize> = (network.projections.iter().enumerate())
        .filter(|(_, p)| is_parrot(&p.post))
        .map(|(k, _)| k)
        .collect();
    let stimuli: Vec<usize> = (network.stimuli.iter().enumerate())
        .filter(|(_, s)| is_parrot(s.target()))
        .map(|(k, _)| k)
        .collect();
    if into_parrots.is_empty() && stimuli.is_empty() {
        return Cow::Borrowed(network);
    }
    let mut events = network.clone();
    for &k in &into_parrots {
        let projection = &mut events.projections[k];
        projection.weight = Value::constant(unit(projection.receptor));
    }
    for &k in &stimuli {
        // Currents: a parrot has no membrane for them (refused by validation).
        if let Some((weight, receptor)) = events.stimuli[k].event_weight_mut() {
            *weight = unit(receptor);
        }
    }
    for sweep in &mut events.sweeps {
        if let Sweep::Weight { projection, values } = sweep {
            if into_parrots.contains(projection) {
                let unit = unit(events.projections[*projection].receptor);
                values.iter_mut().for_each(|w| *w = unit);
            }
        }
    }
    Cow::Owned(events)
}

/// One event's weight on `receptor`, with the port's sign.
fn unit(receptor: Receptor) -> f64 {
    // By port: `{ port = 1 }` is the inhibitory port too.
    match receptor.index() {
        1 => -1.0,
        _ => 1.0,
    }
}
