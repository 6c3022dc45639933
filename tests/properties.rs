//! Property tests (proptest): random small networks — random sizes, models, rules,
//! delays, stored or procedural — give identical rasters on the GPU and the CPU
//! reference; randomly damaged model files never panic the parser, the validator or
//! the planner. Failing cases are shrunk and printed by proptest; a case found this
//! way becomes a regression test.

use std::path::Path;

use proptest::prelude::*;

use neurodyn::model::file;
use neurodyn::plan::{host_memory, memory};
use neurodyn::{
    Backend, Connectivity, IafCondExp, IafPscDelta, IafPscExp, Izhikevich, Network, NeuronModel,
    ParrotNeuron, Plan, Population, Projection, Receptor, Simulation, Stimulus,
};

/// A model and the excitatory weight that moves it noticeably (nA, mV or µS).
fn model(kind: u8) -> (NeuronModel, f64, bool) {
    match kind % 5 {
        0 => (NeuronModel::IafPscExp(IafPscExp::default()), 0.3, false),
        1 => (NeuronModel::IafPscDelta(IafPscDelta::default()), 2.0, false),
        2 => (NeuronModel::Izhikevich(Izhikevich::default()), 4.0, false),
        3 => (NeuronModel::IafCondExp(IafCondExp::default()), 0.01, true),
        _ => (NeuronModel::ParrotNeuron(ParrotNeuron {}), 1.0, false),
    }
}

#[derive(Debug, Clone)]
struct ProjectionSpec {
    pre: usize,
    post: usize,
    rule: u8,
    amount: f64,
    delay_ms: f64,
    inhibitory: bool,
    procedural: bool,
}

fn projection_spec() -> impl Strategy<Value = ProjectionSpec> {
    (
        0..3usize,
        0..3usize,
        0..4u8,
        0.0..1.0f64,
        0.1..4.0f64,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(pre, post, rule, amount, delay_ms, inhibitory, procedural)| ProjectionSpec {
                pre,
                post,
                rule,
                amount,
                delay_ms,
                inhibitory,
                procedural,
            },
        )
}

fn network(seed: u64, populations: &[(u32, u8, f64)], projections: &[ProjectionSpec]) -> Network {
    let mut net = Network::new(0.1, seed);
    let names: Vec<String> = (0..populations.len()).map(|i| format!("P{i}")).collect();
    for (i, &(size, kind, rate_hz)) in populations.iter().enumerate() {
        let (neuron, weight, _) = model(kind);
        net.add_population(Population::new(&names[i], size, neuron));
        net.add_stimulus(Stimulus::Poisson {
            target: names[i].clone(),
            rate_hz,
            weight,
            receptor: Receptor::Excitatory,
            start_ms: 0.0,
            stop_ms: None,
        });
        net.record_spikes(&names[i]);
    }
    for spec in projections {
        let (pre, post) = (spec.pre % populations.len(), spec.post % populations.len());
        let (n_pre, n_post) = (populations[pre].0, populations[post].0);
        let (_, weight, conductance) = model(populations[post].1);
        let (procedural_ok, rule) = match spec.rule {
            0 => (
                true,
                Connectivity::FixedProbability {
                    p: spec.amount * 0.3,
                    allow_autapses: false,
                },
            ),
            1 => (
                false,
                Connectivity::FixedInDegree {
                    k: (spec.amount * 10.0) as u32,
                    allow_autapses: true,
                    allow_multapses: true,
                },
            ),
            2 => (
                true,
                Connectivity::FixedTotalNumber {
                    n: (spec.amount * f64::from(n_pre * n_post) * 0.2) as u64,
                    allow_autapses: true,
                    allow_multapses: true,
                },
            ),
            _ => (
                true,
                Connectivity::AllToAll {
                    allow_autapses: true,
                },
            ),
        };
        let (receptor, w) = match (spec.inhibitory, conductance) {
            (false, _) => (Receptor::Excitatory, weight * 0.3),
            (true, true) => (Receptor::Inhibitory, weight * 0.3),
            (true, false) => (Receptor::Inhibitory, -weight * 0.3),
        };
        let mut projection =
            Projection::new(&names[pre], &names[post], rule, w, spec.delay_ms, receptor);
        projection.procedural = spec.procedural && procedural_ok;
        net.add_projection(projection);
    }
    net
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn random_networks_give_identical_rasters_on_gpu_and_cpu(
        seed in 0..1000u64,
        populations in prop::collection::vec((1..150u32, 0..5u8, 200.0..20_000.0f64), 1..4),
        projections in prop::collection::vec(projection_spec(), 0..5),
    ) {
        let net = network(seed, &populations, &projections);
        let run = |backend| {
            let mut sim = Simulation::new(&net, backend).unwrap();
            sim.run(300).unwrap();
            sim.spike_records().to_vec()
        };
        let (gpu, cpu) = (run(Backend::Gpu), run(Backend::Cpu));
        prop_assert_eq!(gpu, cpu);
    }
}

/// Damages `text`: removes, duplicates or replaces a stretch, or puts an odd token in.
fn damage(text: &str, op: u8, at: usize, len: usize, token: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at % chars.len();
    let end = (at + len).min(chars.len());
    let (head, tail): (String, String) =
        (chars[..at].iter().collect(), chars[end..].iter().collect());
    let middle: String = chars[at..end].iter().collect();
    match op % 4 {
        0 => head + &tail,
        1 => head.clone() + &middle + &middle + &tail,
        2 => head + token + &tail,
        _ => head + token + &middle + &tail,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn damaged_model_files_never_panic(
        op in any::<u8>(),
        at in any::<usize>(),
        len in 0..40usize,
        token in prop::sample::select(vec![
            "", "-1", "0", "1e308", "-1e308", "nan", "inf", "\"\"", "[]", "{}", "=", "[[",
            "]]", "\"E\"", "4294967296", "-0.0", "1e-320", "true", "\n", "\"custom\"",
            "{ distribution = \"normal\", mean = 0, sd = -1 }", "p = 2.0", "k = 99999999",
            "delay_ms = 1e9", "size = 0", "dt_ms = 0.0",
        ]),
    ) {
        let text = std::fs::read_to_string("models/cuba.toml").unwrap();
        let damaged = damage(&text, op, at, len, token);
        let dir = std::env::temp_dir().join(format!("neurodyn-prop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("damaged-{op}-{at}-{len}.toml"));
        std::fs::write(&path, &damaged).unwrap();
        // Errors are fine; panics are not (proptest reports a panic as a failure).
        if let Ok(model) = file::load(Path::new(&path)) {
            // A damaged size can ask for billions of synapses: the plan refuses what
            // the host cannot hold, but what it can hold it draws. Planned here only
            // within 1 GiB, so the test takes seconds on any machine.
            let network = &model.network;
            let huge = network.validate().is_ok()
                && host_memory::check(network, &memory::estimate(network), Some(1 << 30)).is_err();
            if !huge {
                if let Ok(plan) = Plan::new(network) {
                    prop_assert!(plan.n_neurons() > 0 || network.populations.is_empty());
                }
            }
        }
        std::fs::remove_file(&path).unwrap();
    }
}
