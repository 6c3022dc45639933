//! Which kind groups read one parameter block only, so that a device can compile
//! its values into the group's update kernel as constants instead of reading them
//! from a table.
//!
//! Why: on lavapipe every table read of the update is a gather of its SIMD lanes with
//! a bounds test, whether or not its offset is uniform (measured: reading the table
//! at offset 0 gained nothing); compiled-in constants are immediate operands and no
//! reads at all. The update's instructions fell 11–14% for it on CUBA and COBA, its
//! time 13% (CUBA) to 24% (COBA) on one pinned thread (BENCHMARKS.md "Parameters
//! compiled into the update"). On GPUs immediates also spare the constant cache.
//! Only the place the values are read from changes; the arithmetic, and so every
//! result, is the same.

use super::layout::NEVER;
use super::{KindGroup, NeuronKind, Plan};

/// The most words a baked block may have: every model's own block is far smaller
/// (hh_cond_exp_traub's is the largest built-in one); a custom model with more
/// parameters reads them from the table.
pub const MAX_BAKED_PARAMS: usize = 64;

impl Plan {
    /// The words of population `pop`'s parameters for instance 0: one block, or a
    /// block per neuron one after another (`PopulationInfo::param_stride`). Instance
    /// 0's words end at `Config::params_stride`, where instance 1's begin.
    pub fn population_params(&self, pop: usize) -> &[f32] {
        let start = self.populations[pop].info.param_offset as usize;
        let end = self
            .populations
            .get(pop + 1)
            .map_or(self.config.params_stride, |q| q.info.param_offset);
        &self.params[start..end as usize]
    }

    /// The one parameter block every neuron of `group` reads in every instance, if
    /// there is one and it can be compiled in: its populations share a block per
    /// population (no block per neuron), the blocks are the same word for word, and
    /// as long, across populations and instances, none has a refractory period of its
    /// own (a word the update reads at an offset known only at run time), and the
    /// block is finite (WGSL has no literal for infinity), not empty, and at most
    /// `MAX_BAKED_PARAMS` long. Not for spike source arrays, whose shared block holds
    /// each neuron's spike list.
    pub fn baked_params(&self, group: &KindGroup) -> Option<&[f32]> {
        if group.kind == NeuronKind::SpikeSourceArray {
            return None;
        }
        let first = group.info.first_pop as usize;
        let pops = first..first + group.info.pop_count as usize;
        let block = self.population_params(first);
        let stride = self.config.params_stride as usize;
        let same_everywhere = pops.clone().all(|pop| {
            let p = &self.populations[pop];
            p.info.param_stride == 0
                && p.info.refractory_word == NEVER
                && self.population_params(pop).len() == block.len()
                && (0..self.config.n_instances as usize).all(|instance| {
                    let start = p.info.param_offset as usize + instance * stride;
                    self.params.get(start..start + block.len()) == Some(block)
                })
        });
        (same_everywhere
            && !block.is_empty()
            && block.len() <= MAX_BAKED_PARAMS
            && block.iter().all(|x| x.is_finite()))
        .then_some(block)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Sweep, Value};
    use crate::{IafCondExp, IafPscExp, Network, NeuronModel, Plan, Population};

    fn network(tau_m: [f64; 2]) -> Network {
        let mut net = Network::new(0.1, 1);
        for (name, tau_m) in ["a", "b"].into_iter().zip(tau_m) {
            let cell = IafPscExp {
                tau_m,
                ..IafPscExp::default()
            };
            net.add_population(Population::new(name, 10, NeuronModel::IafPscExp(cell)));
        }
        net
    }

    /// The plan of `network([20.0, 20.0])` as two instances, `parameter` of
    /// `population` swept over `values`.
    fn swept(population: &str, parameter: &str, values: [f64; 2]) -> Plan {
        let mut net = network([20.0, 20.0]);
        net.instances = 2;
        net.sweeps = vec![Sweep::Neuron {
            population: population.into(),
            parameter: parameter.into(),
            values: values.to_vec(),
        }];
        Plan::new(&net).expect("plan")
    }

    #[test]
    fn a_group_whose_populations_share_their_parameters_bakes_them() {
        let plan = Plan::new(&network([20.0, 20.0])).expect("plan");
        let block = plan.baked_params(&plan.groups[0]).expect("baked");
        assert_eq!(block, plan.population_params(0));
        assert_eq!(block, plan.population_params(1));
        assert!(!block.is_empty());
    }

    #[test]
    fn different_blocks_stay_in_the_table() {
        let plan = Plan::new(&network([20.0, 10.0])).expect("plan");
        assert_eq!(plan.baked_params(&plan.groups[0]), None);
        // Each kind is its own group: a population of another model does not matter.
        let mut net = network([20.0, 20.0]);
        net.add_population(Population::new(
            "c",
            5,
            NeuronModel::IafCondExp(IafCondExp::default()),
        ));
        let plan = Plan::new(&net).expect("plan");
        assert!(plan.groups.iter().all(|g| plan.baked_params(g).is_some()));
    }

    #[test]
    fn a_parameter_per_neuron_or_per_instance_stays_in_the_table() {
        let mut net = network([20.0, 20.0]);
        net.populations[0] = net.populations[0]
            .clone()
            .with_heterogeneous("tau_m", Value::array(vec![15.0; 10]));
        let plan = Plan::new(&net).expect("plan");
        assert_eq!(plan.baked_params(&plan.groups[0]), None);

        let plan = swept("a", "tau_m", [10.0, 20.0]);
        assert_eq!(plan.baked_params(&plan.groups[0]), None);
    }

    /// A refractory period swept on one population lengthens its block by a word (read
    /// at run time): the first population's block is a prefix of it, not the same.
    #[test]
    fn a_refractory_period_of_its_own_stays_in_the_table() {
        let plan = swept("b", "tau_refrac", [2.0, 3.0]);
        assert_eq!(
            plan.population_params(1).len(),
            plan.population_params(0).len() + 1
        );
        assert_eq!(plan.baked_params(&plan.groups[0]), None);
    }

    #[test]
    fn an_ensemble_of_copies_bakes_its_one_block() {
        let mut net = network([20.0, 20.0]);
        net.instances = 3;
        let plan = Plan::new(&net).expect("plan");
        assert!(plan.baked_params(&plan.groups[0]).is_some());
    }
}
