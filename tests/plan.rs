//! Lowering without a device: connectivity rules, delays, fixed-point units, memory.

use neurodyn::plan::layout::state_words;
use neurodyn::plan::{delay_to_steps, draw_projection};
use neurodyn::{
    AeifCondExp, Connectivity, IafPscDelta, IafPscExp, Network, NeuronModel, Plan, Population,
    Projection, Receptor, Value,
};

fn projection(rule: Connectivity) -> Projection {
    Projection::new("A", "B", rule, 0.1, 1.0, Receptor::Excitatory)
}

#[test]
fn fixed_probability_has_binomial_in_degrees() {
    let (n_pre, n_post, p) = (2000u32, 1000u32, 0.05);
    let s = draw_projection(
        &projection(Connectivity::FixedProbability {
            p,
            allow_autapses: true,
        }),
        0,
        n_pre,
        n_post,
        false,
        3,
        0.1,
    );
    let mut in_degree = vec![0f64; n_post as usize];
    for &j in &s.post {
        in_degree[j as usize] += 1.0;
    }
    let n = f64::from(n_post);
    let mean = in_degree.iter().sum::<f64>() / n;
    let var = in_degree.iter().map(|k| (k - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let expected_mean = f64::from(n_pre) * p;
    let expected_var = expected_mean * (1.0 - p);
    assert!(
        (mean - expected_mean).abs() < 3.0 * (expected_var / n).sqrt(),
        "mean {mean}"
    );
    // SE of a sample variance ≈ σ² sqrt(2 / (n − 1)) for near-normal counts.
    assert!(
        (var - expected_var).abs() < 3.0 * expected_var * (2.0 / (n - 1.0)).sqrt(),
        "variance {var}"
    );
    // Rows are drawn in order without duplicates.
    for w in s.pre.windows(2).zip(s.post.windows(2)) {
        assert!(w.0[0] < w.0[1] || (w.0[0] == w.0[1] && w.1[0] < w.1[1]));
    }
}

#[test]
fn rules_respect_autapses_and_counts() {
    let n = 50;
    let no_autapse =
        |s: &neurodyn::plan::DrawnSynapses| s.pre.iter().zip(&s.post).all(|(a, b)| a != b);
    let all = draw_projection(
        &projection(Connectivity::AllToAll {
            allow_autapses: false,
        }),
        0,
        n,
        n,
        true,
        1,
        0.1,
    );
    assert_eq!(all.pre.len(), (n * (n - 1)) as usize);
    assert!(no_autapse(&all));
    let p1 = draw_projection(
        &projection(Connectivity::FixedProbability {
            p: 1.0,
            allow_autapses: true,
        }),
        0,
        n,
        n,
        true,
        1,
        0.1,
    );
    assert_eq!(p1.pre.len(), (n * n) as usize);
    let k = draw_projection(
        &projection(Connectivity::FixedInDegree {
            k: 7,
            allow_autapses: false,
            allow_multapses: false,
        }),
        0,
        n,
        n,
        true,
        1,
        0.1,
    );
    assert!(no_autapse(&k));
    for j in 0..n {
        let mut sources: Vec<u32> = k
            .pre
            .iter()
            .zip(&k.post)
            .filter(|(_, &b)| b == j)
            .map(|(&a, _)| a)
            .collect();
        assert_eq!(sources.len(), 7);
        sources.dedup();
        sources.sort();
        sources.dedup();
        assert_eq!(sources.len(), 7, "multapse drawn");
    }
    let total = draw_projection(
        &projection(Connectivity::FixedTotalNumber {
            n: 1234,
            allow_autapses: false,
            allow_multapses: true,
        }),
        0,
        n,
        n,
        true,
        1,
        0.1,
    );
    assert_eq!(total.pre.len(), 1234);
    assert!(no_autapse(&total));
}

#[test]
fn a_projection_does_not_change_when_another_is_added() {
    let rule = Connectivity::FixedProbability {
        p: 0.1,
        allow_autapses: true,
    };
    let a = draw_projection(&projection(rule.clone()), 2, 100, 100, false, 9, 0.1);
    let b = draw_projection(&projection(rule), 2, 100, 100, false, 9, 0.1);
    assert_eq!((a.pre, a.post), (b.pre, b.post));
}

#[test]
fn delays_round_to_the_nearest_step_and_last_at_least_one() {
    assert_eq!(delay_to_steps(0.0, 0.1), 1);
    assert_eq!(delay_to_steps(0.04, 0.1), 1);
    assert_eq!(delay_to_steps(0.1, 0.1), 1);
    assert_eq!(delay_to_steps(0.15, 0.1), 2, "halves round up");
    assert_eq!(delay_to_steps(1.5, 0.1), 15);
    assert_eq!(delay_to_steps(1.549, 0.1), 15);
    assert_eq!(delay_to_steps(20.0, 0.1), 200);
}

/// The delay span bounds the part of the ring one spike's row adds into, which
/// decides whether a CPU device reads each word before adding (`RingChunks::for_device`).
#[test]
fn the_delay_span_runs_from_the_shortest_delay_to_the_longest() {
    let mut net = Network::new(0.1, 1);
    for name in ["A", "B"] {
        net.add_population(Population::new(
            name,
            100,
            NeuronModel::IafPscExp(IafPscExp::default()),
        ));
    }
    let plan = Plan::new(&net).unwrap();
    assert_eq!(
        (plan.delay_span, plan.row_reach_bytes()),
        (0, 0),
        "no synapses"
    );
    let all = Connectivity::AllToAll {
        allow_autapses: true,
    };
    let mut fast = Projection::new("A", "B", all.clone(), 0.1, 0.3, Receptor::Excitatory);
    net.add_projection(fast.clone());
    assert_eq!(
        Plan::new(&net).unwrap().delay_span,
        1,
        "one delay, one slot"
    );
    fast.delay_ms = Value::Constant { value: 1.5 };
    fast.receptor = Receptor::Inhibitory;
    fast.weight = Value::Constant { value: -0.1 };
    net.add_projection(fast);
    let plan = Plan::new(&net).unwrap();
    assert_eq!(plan.delay_span, 13, "3 to 15 steps");
    assert_eq!(
        plan.row_reach_bytes(),
        4 * 13 * u64::from(plan.config.n_receptors) * 200
    );
}

#[test]
fn the_plan_sizes_every_buffer_and_weights_fit_their_unit() {
    let mut net = Network::new(0.1, 5);
    let lif = NeuronModel::IafPscExp(IafPscExp::default());
    net.add_population(Population::new("A", 300, lif.clone()));
    net.add_population(Population::new("B", 200, lif));
    net.add_projection(Projection::new(
        "A",
        "B",
        Connectivity::FixedInDegree {
            k: 100,
            allow_autapses: true,
            allow_multapses: true,
        },
        Value::uniform(0.05, 0.5),
        Value::uniform(0.1, 3.0),
        Receptor::Excitatory,
    ));
    net.record_spikes("A");
    let plan = Plan::new(&net).unwrap();
    assert_eq!(plan.synapses.len(), 200 * 100);
    assert_eq!(plan.config.ring_depth, 31, "delays up to 30 steps");
    assert_eq!(plan.synapses.row_start.len(), 501);
    // Per target, the summed fixed-point weights stay below 2^30.
    let mut sum = vec![0i64; 1000];
    let synapses = &plan.synapses;
    for (s, &w) in synapses.weight.iter().enumerate() {
        sum[synapses.target(s) as usize] += i64::from(w);
    }
    assert!(sum.iter().all(|&s| s < 1 << 30));
    let b = &plan.populations[1];
    let unit = 2f64.powi(-b.input_scale_log2[0]);
    for (s, &w) in synapses.weight.iter().enumerate() {
        let t = synapses.target(s);
        assert!((300..500).contains(&t), "excitatory targets in B");
        assert!((1..=30).contains(&synapses.delay(s)), "delays in steps");
        let weight = f64::from(w) * unit;
        assert!((0.05 - unit..=0.5 + unit).contains(&weight), "{weight}");
    }
    // Recording sized for every recorded neuron spiking every step.
    assert_eq!(
        u64::from(plan.config.record_capacity),
        300 * u64::from(plan.batch_steps)
    );
    let bytes = plan.memory_bytes();
    assert!(bytes > 20_000 * 12, "synapse arrays are counted: {bytes}");
    for name in ["state", "ring", "syn_target_delay", "spikes", "params"] {
        assert!(
            plan.buffers.iter().any(|b| b.name == name),
            "{name} missing"
        );
    }
}

#[test]
fn projections_drawn_in_parallel_give_the_same_table_every_time() {
    // The microcircuit at scale 0.1: 55 projections drawn on all cores in whatever
    // order the threads take them; each has its own streams, so the table is fixed.
    let network = neurodyn::model::microcircuit::network(
        &neurodyn::model::microcircuit::MicrocircuitOptions::default(),
    )
    .unwrap();
    let a = neurodyn::Plan::new(&network).unwrap();
    let b = neurodyn::Plan::new(&network).unwrap();
    assert_eq!(a.synapses, b.synapses);
    assert!(a.synapses.len() > 2_000_000);
}

#[test]
fn a_projection_drawn_in_chunks_does_not_depend_on_their_order() {
    // 10,000 presynaptic neurons: three chunks of rows, each from streams of its own;
    // drawn last to first and put in order, they are the projection drawn at once.
    use neurodyn::plan::{draw_chunk, draw_chunks, DrawnSynapses};
    let p = Projection::new(
        "A",
        "B",
        Connectivity::FixedProbability {
            p: 0.01,
            allow_autapses: true,
        },
        Value::normal_clipped(0.1, 0.02, 0.0, f64::INFINITY),
        Value::uniform(0.5, 2.0),
        Receptor::Excitatory,
    );
    assert_eq!(draw_chunks(&p, 10_000, 500), 3);
    let whole = draw_projection(&p, 3, 10_000, 500, false, 7, 0.1);
    let mut chunks: Vec<_> = (0..3)
        .rev()
        .map(|c| {
            (
                c,
                draw_chunk(&p, (3, c), (10_000, 500, false), (7, 0.1), None),
            )
        })
        .collect();
    chunks.sort_by_key(|(c, _)| *c);
    let joined = DrawnSynapses::concat(chunks.into_iter().map(|(_, d)| d).collect());
    assert_eq!(
        (
            &joined.pre,
            &joined.post,
            &joined.weight,
            &joined.delay_steps
        ),
        (&whole.pre, &whole.post, &whole.weight, &whole.delay_steps)
    );
    // Every row drawn once, in order: 50,000 synapses expected.
    assert!(whole.pre.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(*whole.pre.last().unwrap(), 9_999);
    let n = whole.pre.len() as f64;
    assert!(
        (n - 50_000.0).abs() < 5.0 * (50_000.0f64 * 0.99).sqrt(),
        "{n}"
    );
}

#[test]
fn each_neuron_has_its_own_state_block_with_its_refractory_counter_last() {
    // AdEx's four variables take two vectors per neuron, iaf_psc_delta's one a
    // single vector; two populations share AdEx's group; two instances.
    let adex = || NeuronModel::AeifCondExp(AeifCondExp::default());
    let mut net = Network::new(0.1, 3);
    net.add_population(Population::new("A", 5, adex()).with_initial("w", Value::uniform(1.0, 2.0)));
    net.add_population(Population::new(
        "B",
        3,
        NeuronModel::IafPscDelta(IafPscDelta::default()),
    ));
    net.add_population(Population::new("C", 4, adex()).with_initial("w", Value::uniform(1.0, 2.0)));
    net.instances = 2;
    let plan = Plan::new(&net).unwrap();
    let mut variable_words = vec![false; plan.initial_state.len()];
    let mut counters = Vec::new();
    for (pop, p) in plan.populations.iter().enumerate() {
        let words = state_words(p.state_count) as usize;
        assert_eq!(words, if p.state_count == 4 { 8 } else { 4 });
        let w = p.state_variables.iter().position(|v| v == "w");
        for instance in 0..2 {
            for var in 0..p.state_count {
                let indices: Vec<usize> = plan.instance_state_indices(pop, var, instance).collect();
                assert_eq!(indices.len(), p.size as usize);
                for (k, &at) in indices.iter().enumerate() {
                    assert!(!variable_words[at], "{} word {at} taken twice", p.name);
                    variable_words[at] = true;
                    if k > 0 {
                        assert_eq!(at - indices[k - 1], words, "a block apart");
                    }
                    // The block starts on a vector; its last word is the counter.
                    let start = at - var as usize;
                    assert_eq!(start % 4, 0);
                    counters.push(start + words - 1);
                    if Some(var as usize) == w {
                        assert!((1.0..=2.0).contains(&plan.initial_state[at]));
                    }
                }
            }
        }
    }
    let variables: usize = plan
        .populations
        .iter()
        .map(|p| (p.state_count * p.size * 2) as usize)
        .sum();
    assert_eq!(variable_words.iter().filter(|&&x| x).count(), variables);
    for at in counters {
        assert!(!variable_words[at], "the counter's word holds no variable");
        assert_eq!(plan.initial_state[at].to_bits(), 0, "counters start at 0");
    }
    assert_eq!(plan.initial_state.len(), (5 + 4) * 8 * 2 + 3 * 4 * 2);
}

/// The standard benchmark models' neurons all read one parameter block per model,
/// which the GPU update then has as constants (`Plan::baked_params`).
#[test]
fn the_standard_models_share_one_parameter_block_per_model() {
    for name in ["cuba", "coba", "cobahh", "brunel"] {
        let path = format!("models/{name}.toml");
        let network = neurodyn::model::file::load(std::path::Path::new(&path))
            .unwrap()
            .network;
        let plan = Plan::new(&network).unwrap();
        for group in &plan.groups {
            let block = plan.baked_params(group);
            assert_eq!(
                block,
                Some(plan.population_params(group.info.first_pop as usize)),
                "{name}: {}",
                group.kind.name()
            );
        }
    }
}

#[test]
fn batches_shorten_until_their_state_samples_fit_the_budget() {
    // 100,000 neurons sampled every step: a batch of 500 steps would take 5·10^7
    // samples (and, with more recorders, wrap the u32 buffer size); the batch
    // shortens to the most steps whose samples fit 2^22.
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "P",
        100_000,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    net.record_state("P", "v", (0..100_000).collect(), 1);
    let plan = Plan::new(&net).unwrap();
    assert_eq!(plan.batch_steps, 41);
    assert_eq!(plan.probe_capacity, 41 * 100_000);
    // Every 10 steps: ceil(b / 10) samples a batch, b = 410 the most that fit.
    if let Some(neurodyn::Recorder::State { every_steps, .. }) = net.recorders.last_mut() {
        *every_steps = 10;
    }
    let plan = Plan::new(&net).unwrap();
    assert_eq!(plan.batch_steps, 410);
    assert_eq!(plan.probe_capacity, 41 * 100_000);
}

/// `one_to_one` pairs neuron i with neuron i, once each, across drawing chunks, and
/// gives array values in neuron order.
#[test]
fn one_to_one_pairs_each_neuron_with_its_namesake() {
    let n = 2 * neurodyn::plan::DRAW_CHUNK + 17;
    let s = draw_projection(
        &projection(Connectivity::OneToOne {}),
        0,
        n,
        n,
        false,
        1,
        0.1,
    );
    assert_eq!(s.pre, (0..n).collect::<Vec<_>>());
    assert_eq!(s.post, s.pre);
    let weights: Vec<f64> = (0..5).map(|i| 0.1 * f64::from(i + 1)).collect();
    let mut listed = projection(Connectivity::OneToOne {});
    listed.weight = Value::array(weights.clone());
    let s = draw_projection(&listed, 0, 5, 5, false, 1, 0.1);
    assert_eq!(s.weight, weights);
}

/// A plan edited before `Simulation::from_plan` is checked: the edits that broke its
/// invariants (a batch of 0 steps panicked on both backends, a short initial state
/// panicked on the CPU and ran on the GPU) are refused, and every shipped model's
/// plan passes.
#[test]
fn an_edited_plan_is_checked_before_it_runs() {
    for entry in std::fs::read_dir("models").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let network = neurodyn::model::file::load(&path).unwrap().network;
            let plan = Plan::new(&network).unwrap();
            plan.check_consistent()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new(
        "E",
        10,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    let plan = Plan::new(&net).unwrap();
    type Edit = fn(&mut Plan);
    let edits: [(&str, Edit); 4] = [
        ("steps per batch", |p| p.batch_steps = 0),
        ("initial state values", |p| p.initial_state.truncate(2)),
        ("population `E` has neurons 0..+15", |p| {
            p.populations[0].size += 5
        }),
        ("dt_ms", |p| p.dt_ms = f64::NAN),
    ];
    for (needle, edit) in edits {
        let mut edited = plan.clone();
        edit(&mut edited);
        for backend in [neurodyn::Backend::Cpu, neurodyn::Backend::Gpu] {
            let e = match neurodyn::Simulation::from_plan(edited.clone(), backend) {
                Ok(_) => panic!("{needle}: accepted"),
                Err(e) => e.to_string(),
            };
            assert!(e.contains("inconsistent plan") && e.contains(needle), "{e}");
        }
    }
}
