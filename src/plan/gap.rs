//! Gap junctions lowered: per neuron (global index), its junctions in a fixed order,
//! and where each (instance, neuron)'s membrane potential lies in the state buffer, so
//! the gap_coupling kernel can form `Σ g (v_j − v_i)` before the neuron updates.

use super::Plan;
use crate::model::Network;

/// Every gap junction of the network, by neuron.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GapTable {
    /// Neuron i's junctions: `partner[start[i] .. start[i + 1]]`, `g` alike (µS), in
    /// the order of the model's junction lists and pairs (empty without junctions).
    pub start: Vec<u32>,
    pub partner: Vec<u32>,
    pub g: Vec<f32>,
    /// Per (instance, neuron) with junctions: `[state index of v, bits of the offset
    /// that makes it mV]` (the integrate-and-fire models store v relative to rest);
    /// `[NEVER, 0]` for a neuron without any.
    pub potential: Vec<[u32; 2]>,
}

impl GapTable {
    /// The junctions of `network` as `plan` lays out its neurons and state.
    pub fn lower(network: &Network, plan: &Plan) -> Self {
        if network.gap_junctions.is_empty() {
            return Self::default();
        }
        let n = plan.config.n_neurons as usize;
        let pop = |name: &str| {
            plan.populations
                .iter()
                .position(|p| p.name == name)
                .expect("validated population")
        };
        // (neuron, partner, g) both ways, in list and pair order.
        let mut entries: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
        for junctions in &network.gap_junctions {
            let (a, b) = (pop(&junctions.a), pop(&junctions.b));
            for (k, &(i, j)) in junctions.pairs.iter().enumerate() {
                let g = match &junctions.g_us {
                    crate::model::Value::Array { values } => values[k],
                    value => value.range().0,
                } as f32;
                let (i, j) = (plan.populations[a].first + i, plan.populations[b].first + j);
                entries[i as usize].push((j, g));
                entries[j as usize].push((i, g));
            }
        }
        let mut table = Self {
            start: vec![0],
            ..Self::default()
        };
        for list in &entries {
            for &(j, g) in list {
                table.partner.push(j);
                table.g.push(g);
            }
            table.start.push(table.partner.len() as u32);
        }
        let instances = plan.config.n_instances;
        let never = [super::layout::NEVER, 0];
        table.potential = vec![never; n * instances as usize];
        for (p, population) in plan.populations.iter().enumerate() {
            let Some(v) = population.state_variables.iter().position(|s| s == "v") else {
                continue;
            };
            for instance in 0..instances {
                let range = plan.instance_state_range(p, v as u32, instance);
                for (k, at) in range.enumerate() {
                    let neuron = population.first as usize + k;
                    if entries[neuron].is_empty() {
                        continue;
                    }
                    let offset = plan.stored_offset(p, instance, k as u32, "v");
                    table.potential[instance as usize * n + neuron] = [at as u32, offset.to_bits()];
                }
            }
        }
        table
    }

    /// Junction entries (each junction counted from both ends).
    pub fn len(&self) -> usize {
        self.partner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.partner.is_empty()
    }
}
