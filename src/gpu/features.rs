//! What a neuron group's update needs, compiled into its kernel as constants.
//!
//! lavapipe (Mesa's CPU Vulkan driver) runs a kernel's branches under an execution
//! mask, not by jumping over them: a path that no neuron of the group takes still
//! costs its instructions on every invocation (measured on 2 cores: Brunel's update
//! of 12,500 neurons took 1,650 µs per step with the paths for DC, streamed currents,
//! gap junctions, intrinsic plasticity and readouts compiled in, 1,250 µs without).
//! A path the plan rules out is therefore switched off by a `const` the shader
//! compiler folds away. The constants only remove work the data would skip anyway, so
//! the raster does not depend on them; `NeuronFeatures::ALL` compiles every path.

use super::shaders::ShaderFile;
use crate::plan::layout::{
    MAX_RECEPTORS, NEVER, POISSON_TABLE, STIMULUS_CURRENT_STREAM, STIMULUS_DC, STIMULUS_POISSON,
};
use crate::plan::poisson::END;
use crate::plan::{KindGroup, Plan};

/// The name of the generated file in assembled shaders (replaced per group).
pub const FEATURES_FILE: &str = "generated: neuron update features";

/// The optional paths of one neuron group's update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeuronFeatures {
    pub poisson: bool,
    pub dc: bool,
    pub current_stream: bool,
    pub gap: bool,
    pub intrinsic_plasticity: bool,
    pub readouts: bool,
    /// A refractory period that varies by neuron or instance (read from the params).
    pub refractory_per_neuron: bool,
    /// Several steps per dispatch (`plan::window`); without, the window's loop is a
    /// single step the compiler unrolls, and its length is not read.
    pub windowed: bool,
    /// No population has more than one stimulus: its stimulus, if any, is added
    /// without the loop over the population's stimuli. With a Poisson draw inside
    /// that loop, lavapipe took a quarter longer over Brunel's update (BENCHMARKS.md).
    pub single_stimulus: bool,
    /// More than one instance (an ensemble): without, a neuron's instance is 0 and
    /// not divided out of the invocation's index, a division lavapipe does lane by
    /// lane in scalar instructions.
    pub ensemble: bool,
    /// The network's receptor count (`Config::n_receptors`), so that the loops over a
    /// neuron's ring entries and inputs unroll: with the count read from the config,
    /// lavapipe took 7% longer over Brunel's update (BENCHMARKS.md).
    pub receptors: u32,
    /// The thresholds of every Poisson stimulus of the group, in every instance, where
    /// they are one table (one mean per chunk, as Brunel's one drive rate): compared
    /// as constants instead of searched for in the stimulus table, whose per-step
    /// reads lavapipe gathers lane by lane (17% of Brunel's update, BENCHMARKS.md).
    /// The count is the same: the number of thresholds at or below the uniform. Rates
    /// that differ between populations or instances (a sweep) keep the search.
    pub poisson_thresholds: Option<[u32; POISSON_TABLE]>,
}

impl NeuronFeatures {
    /// Every path: for validating the stage on its own.
    pub const ALL: Self = Self {
        poisson: true,
        dc: true,
        current_stream: true,
        gap: true,
        intrinsic_plasticity: true,
        readouts: true,
        refractory_per_neuron: true,
        windowed: true,
        single_stimulus: false,
        ensemble: true,
        receptors: MAX_RECEPTORS as u32,
        poisson_thresholds: None,
    };

    /// The paths some population of `group` takes, in any instance.
    pub fn of(plan: &Plan, group: &KindGroup) -> Self {
        let first = group.info.first_pop as usize;
        let populations = &plan.populations[first..first + group.info.pop_count as usize];
        // Every stimulus of the group's populations, in every instance.
        let stimuli = || {
            populations.iter().flat_map(move |p| {
                (0..plan.config.n_instances).flat_map(move |b| plan.stimuli_of(p, b))
            })
        };
        let has_stimulus = |kind: u32| stimuli().any(|s| s.kind == kind);
        // A stimulus of rate 0 draws nothing (no chunks): its empty table does not count.
        let mut poisson_tables = stimuli()
            .filter(|s| s.kind == STIMULUS_POISSON && s.chunks > 0)
            .map(|s| s.cdf);
        let first_table = poisson_tables.next();
        Self {
            poisson_thresholds: first_table.filter(|t| poisson_tables.all(|u| u == *t)),
            poisson: has_stimulus(STIMULUS_POISSON),
            dc: has_stimulus(STIMULUS_DC),
            current_stream: has_stimulus(STIMULUS_CURRENT_STREAM),
            gap: plan.config.n_gap > 0,
            intrinsic_plasticity: populations.iter().any(|p| p.info.ip_eta != 0.0),
            readouts: populations.iter().any(|p| p.info.readout_base != NEVER),
            refractory_per_neuron: populations.iter().any(|p| p.info.refractory_word != NEVER),
            windowed: plan.config.window_steps > 1,
            single_stimulus: populations.iter().all(|p| p.info.stim_count <= 1),
            ensemble: plan.config.n_instances > 1,
            receptors: plan.config.n_receptors,
        }
    }

    /// The constants as a WGSL file.
    pub fn file(self) -> ShaderFile {
        let consts = [
            ("HAS_POISSON", self.poisson),
            ("HAS_DC", self.dc),
            ("HAS_CURRENT_STREAM", self.current_stream),
            ("HAS_GAP", self.gap),
            ("HAS_INTRINSIC_PLASTICITY", self.intrinsic_plasticity),
            ("HAS_READOUTS", self.readouts),
            ("HAS_REFRACTORY_PER_NEURON", self.refractory_per_neuron),
            ("WINDOWED", self.windowed),
            ("SINGLE_STIMULUS", self.single_stimulus),
            ("ENSEMBLE", self.ensemble),
        ];
        let mut text = String::from(
            "// The paths this neuron group's update can take (src/gpu/features.rs).\n",
        );
        for (name, on) in consts {
            text += &format!("const {name}: bool = {on};\n");
        }
        text += &format!("const RECEPTORS: u32 = {}u;\n", self.receptors);
        // The shared table's count: a threshold of END is above every 24-bit uniform.
        let thresholds = self.poisson_thresholds.unwrap_or([END; POISSON_TABLE]);
        text += &format!(
            "const SHARED_POISSON_TABLE: bool = {};\n",
            self.poisson_thresholds.is_some()
        );
        text += "fn shared_poisson_count(u: u32) -> u32 {\n    return 0u";
        for t in thresholds.iter().filter(|&&t| t < END) {
            text += &format!("\n        + select(0u, 1u, {t}u <= u)");
        }
        text += ";\n}\n";
        ShaderFile::text(FEATURES_FILE, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IafPscDelta, IafPscExp, Network, NeuronModel, Population, Receptor, Stimulus};

    /// Two kinds of neuron: each group's paths are those of its own populations.
    #[test]
    fn a_group_takes_the_paths_of_its_populations_only() {
        let mut net = Network::new(0.1, 1);
        net.add_population(Population::new(
            "exp",
            10,
            NeuronModel::IafPscExp(IafPscExp::default()),
        ));
        net.add_population(Population::new(
            "delta",
            10,
            NeuronModel::IafPscDelta(IafPscDelta::default()),
        ));
        net.add_stimulus(Stimulus::Poisson {
            target: "delta".into(),
            rate_hz: 1000.0,
            weight: 0.1,
            receptor: Receptor::Excitatory,
            start_ms: 0.0,
            stop_ms: None,
        });
        // A second stimulus of `delta`: its group loops over each population's stimuli.
        net.add_stimulus(Stimulus::Poisson {
            target: "delta".into(),
            rate_hz: 500.0,
            weight: -0.1,
            receptor: Receptor::Inhibitory,
            start_ms: 5.0,
            stop_ms: None,
        });
        net.add_stimulus(Stimulus::Dc {
            target: "exp".into(),
            amplitude_na: 0.1,
            start_ms: 10.0,
            stop_ms: Some(20.0),
        });
        let plan = Plan::new(&net).expect("plan");
        let of = |kind: &str| {
            let group = plan.groups.iter().find(|g| g.kind.name() == kind);
            NeuronFeatures::of(&plan, group.expect("group"))
        };
        // Without synapses, nothing limits the window.
        let none = NeuronFeatures {
            poisson: false,
            dc: false,
            current_stream: false,
            gap: false,
            intrinsic_plasticity: false,
            readouts: false,
            refractory_per_neuron: false,
            windowed: true,
            single_stimulus: true,
            ensemble: false,
            receptors: plan.config.n_receptors,
            poisson_thresholds: None,
        };
        assert_eq!(of("iaf_psc_exp"), NeuronFeatures { dc: true, ..none });
        assert_eq!(
            of("iaf_psc_delta"),
            NeuronFeatures {
                poisson: true,
                single_stimulus: false,
                ..none
            }
        );
    }

    /// Populations driven at one rate share the thresholds; another rate does not.
    #[test]
    fn poisson_stimuli_of_one_rate_share_their_thresholds() {
        let mut net = Network::new(0.1, 1);
        for name in ["E", "I"] {
            net.add_population(Population::new(
                name,
                10,
                NeuronModel::IafPscDelta(IafPscDelta::default()),
            ));
        }
        let drive = |target: &str, rate_hz| Stimulus::Poisson {
            target: target.into(),
            rate_hz,
            weight: 0.1,
            receptor: Receptor::Excitatory,
            start_ms: 0.0,
            stop_ms: None,
        };
        net.add_stimulus(drive("E", 20_000.0));
        net.add_stimulus(drive("I", 20_000.0));
        let features = |net: &Network| {
            let plan = Plan::new(net).expect("plan");
            NeuronFeatures::of(&plan, &plan.groups[0])
        };
        let shared = features(&net).poisson_thresholds.expect("one table");
        assert_eq!(shared, crate::plan::poisson::thresholds(2.0));
        let text = features(&net).file().source.into_owned();
        assert!(
            text.contains("const SHARED_POISSON_TABLE: bool = true;"),
            "{text}"
        );
        // One comparison per threshold below 2^24, with that threshold.
        let below: Vec<u32> = shared.iter().copied().filter(|&t| t < END).collect();
        assert_eq!(text.matches("<= u)").count(), below.len(), "{text}");
        for t in below {
            assert!(
                text.contains(&format!("select(0u, 1u, {t}u <= u)")),
                "{text}"
            );
        }
        // A drive of rate 0 draws nothing and leaves the table shared.
        net.add_stimulus(drive("E", 0.0));
        assert_eq!(features(&net).poisson_thresholds, Some(shared));

        net.add_stimulus(drive("I", 10_000.0));
        assert_eq!(features(&net).poisson_thresholds, None);
    }

    #[test]
    fn the_constants_are_wgsl() {
        let text = NeuronFeatures::ALL.file().source.into_owned();
        assert!(text.contains("const HAS_POISSON: bool = true;"), "{text}");
        assert_eq!(text.matches("const HAS_").count(), 7);
        assert!(text.contains("const RECEPTORS: u32 = 4u;"), "{text}");
        assert!(text.contains("const WINDOWED: bool = true;"), "{text}");
        assert!(
            text.contains("const SINGLE_STIMULUS: bool = false;"),
            "{text}"
        );
        assert!(
            text.contains("const SHARED_POISSON_TABLE: bool = false;"),
            "{text}"
        );
    }
}
