//! Direct coupling between membranes, lowered: gap junctions and graded synapses. Per
//! neuron (global index), its junctions then its graded synapses, each in a fixed
//! order, and where each (instance, neuron)'s membrane potential lies in the state
//! buffer, so the gap_coupling kernel can form `Σ g (v_j − v_i)` and
//! `Σ g s∞(v_pre) (e_rev − v_i)` before the neuron updates.

use super::Plan;
use crate::model::{Network, Value};

/// Every gap junction and graded synapse of the network, by the neuron it feeds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GapTable {
    /// Neuron i's gap junctions are entries `start[2i] .. start[2i + 1]`, its graded
    /// synapses `start[2i + 1] .. start[2i + 2]` (empty without any coupling).
    pub start: Vec<u32>,
    /// Per entry: the other neuron (junction partner, or presynaptic neuron).
    pub partner: Vec<u32>,
    /// Per entry: `[g (µS), e_rev (mV), v_th (mV), 1 / delta (1/mV)]`; a junction
    /// uses only g. Junctions in the order of the model's junction lists and pairs,
    /// graded synapses likewise.
    pub coupling: Vec<[f32; 4]>,
    /// Per (instance, neuron) that feeds or is fed: `[state index of v, bits of the
    /// offset that makes it mV]` (the integrate-and-fire models store v relative to
    /// rest); `[NEVER, 0]` for any other.
    pub potential: Vec<[u32; 2]>,
}

/// The conductance of pair `k` of a coupling list (µS).
fn conductance(g_us: &Value, k: usize) -> f32 {
    g_us.element(k)
        .expect("validated: a constant or one conductance per pair") as f32
}

impl GapTable {
    /// The couplings of `network` as `plan` lays out its neurons and state.
    pub fn lower(network: &Network, plan: &Plan) -> Self {
        if network.gap_junctions.is_empty() && network.graded_synapses.is_empty() {
            return Self::default();
        }
        let n = plan.config.n_neurons as usize;
        let first = |name: &str| {
            plan.populations
                .iter()
                .find(|p| p.name == name)
                .expect("validated population")
                .first
        };
        // (other neuron, parameters) per neuron: junctions both ways, then graded
        // synapses into their postsynaptic neuron, in list and pair order.
        let mut junctions: Vec<Vec<(u32, [f32; 4])>> = vec![Vec::new(); n];
        for list in &network.gap_junctions {
            let (a, b) = (first(&list.a), first(&list.b));
            for (k, &(i, j)) in list.pairs.iter().enumerate() {
                let g = [conductance(&list.g_us, k), 0.0, 0.0, 0.0];
                junctions[(a + i) as usize].push((b + j, g));
                junctions[(b + j) as usize].push((a + i, g));
            }
        }
        let mut graded: Vec<Vec<(u32, [f32; 4])>> = vec![Vec::new(); n];
        for list in &network.graded_synapses {
            let (pre, post) = (first(&list.pre), first(&list.post));
            let kinetics = [list.e_rev, list.v_th, 1.0 / list.delta].map(|x| x as f32);
            for (k, &(i, j)) in list.pairs.iter().enumerate() {
                let [e_rev, v_th, inv_delta] = kinetics;
                let c = [conductance(&list.g_us, k), e_rev, v_th, inv_delta];
                graded[(post + j) as usize].push((pre + i, c));
            }
        }
        let mut table = Self {
            start: vec![0],
            ..Self::default()
        };
        // Which neurons' potentials the kernel reads: its own and its partners'.
        let mut involved = vec![false; n];
        for (i, (own, fed)) in junctions.iter().zip(&graded).enumerate() {
            for list in [own, fed] {
                for &(j, c) in list {
                    table.partner.push(j);
                    table.coupling.push(c);
                    involved[i] = true;
                    involved[j as usize] = true;
                }
                table.start.push(table.partner.len() as u32);
            }
        }
        let instances = plan.config.n_instances;
        let never = [super::layout::NEVER, 0];
        table.potential = vec![never; n * instances as usize];
        for (p, population) in plan.populations.iter().enumerate() {
            let Some(v) = population.state_variables.iter().position(|s| s == "v") else {
                continue;
            };
            for instance in 0..instances {
                let indices = plan.instance_state_indices(p, v as u32, instance);
                for (k, at) in indices.enumerate() {
                    let neuron = population.first as usize + k;
                    if !involved[neuron] {
                        continue;
                    }
                    let offset = plan.stored_offset(p, instance, k as u32, "v");
                    table.potential[instance as usize * n + neuron] = [at as u32, offset.to_bits()];
                }
            }
        }
        table
    }

    /// Coupling entries (each junction counted from both ends, each graded synapse
    /// once).
    pub fn len(&self) -> usize {
        self.partner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.partner.is_empty()
    }
}
