//! Astrocyte units lowered: each one's propagator and the populations it counts, as
//! the words of the `astrocytes` table that propagate_prepare (which advances the
//! levels once per step) and propagate_plastic (which counts the inputs' spikes)
//! read. Their levels and counts live in `modulators` (`Config::astrocyte_base`).

use crate::model::Network;

/// Words per astrocyte in the table: `[e^(−dt/τ), bias · (1 − e^(−dt/τ))]` as f32 bits.
pub const ASTROCYTE_WORDS: usize = 2;
/// Words per input: `[first neuron, size, astrocyte, weight as f32 bits]`.
pub const ASTROCYTE_INPUT_WORDS: usize = 4;

/// Every astrocyte of the network, lowered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AstrocyteTable {
    /// `ASTROCYTE_WORDS` per astrocyte, then `ASTROCYTE_INPUT_WORDS` per input (all
    /// astrocytes' inputs, in model order).
    pub words: Vec<u32>,
    /// Each astrocyte's name and starting level (its bias).
    pub names: Vec<String>,
    pub bias: Vec<f32>,
    pub inputs: u32,
}

impl AstrocyteTable {
    /// The network's astrocytes for steps of `dt` ms; `firsts[p]` is population p's
    /// first neuron.
    pub fn lower(network: &Network, firsts: &[u32], dt: f64) -> Self {
        let mut table = Self::default();
        for a in &network.astrocytes {
            let decay = (-dt / a.tau_ms).exp();
            let rest = -a.bias * (-dt / a.tau_ms).exp_m1();
            table
                .words
                .extend([(decay as f32).to_bits(), (rest as f32).to_bits()]);
            table.names.push(a.name.clone());
            table.bias.push(a.bias as f32);
        }
        for (index, a) in network.astrocytes.iter().enumerate() {
            for input in &a.inputs {
                let p = network
                    .populations
                    .iter()
                    .position(|p| p.name == input.population)
                    .expect("validated population");
                table.words.extend([
                    firsts[p],
                    network.populations[p].size,
                    index as u32,
                    (input.weight as f32).to_bits(),
                ]);
                table.inputs += 1;
            }
        }
        table
    }

    /// The number of astrocytes.
    pub fn count(&self) -> u32 {
        self.bias.len() as u32
    }

    /// Words of the astrocytes' state in `modulators` for `instances` instances:
    /// a level per astrocyte and a spike count per input.
    pub fn state_words(&self, instances: u32) -> usize {
        (self.count() + self.inputs) as usize * instances as usize
    }
}
