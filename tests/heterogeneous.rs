//! Heterogeneous parameters: a parameter with a value per neuron (array or drawn
//! distribution) gives each neuron exactly the dynamics of a homogeneous population
//! with that value, identically on GPU and CPU; bad heterogeneity is refused.

use neurodyn::{Backend, IafPscExp, Network, NeuronModel, Population, Simulation, Value};

fn lif() -> NeuronModel {
    NeuronModel::IafPscExp(IafPscExp {
        tau_refrac: 2.0,
        ..Default::default()
    })
}

fn spike_steps(net: &Network, backend: Backend, population: &str, neuron: u32) -> Vec<u64> {
    let mut sim = Simulation::new(net, backend).unwrap();
    sim.run(3000).unwrap();
    let record = sim.spikes(population).unwrap();
    record
        .steps
        .iter()
        .zip(&record.neurons)
        .filter(|(_, &n)| n == neuron)
        .map(|(&s, _)| s)
        .collect()
}

#[test]
fn each_neuron_follows_its_own_parameter_values() {
    let drives = [1.0, 1.2, 1.4, 1.6];
    let taus = [20.0, 25.0, 15.0, 30.0];
    let mut net = Network::new(0.1, 3);
    net.add_population(
        Population::new("H", 4, lif())
            .with_heterogeneous("i_offset", Value::array(drives.to_vec()))
            .with_heterogeneous("tau_m", Value::array(taus.to_vec())),
    );
    net.record_spikes("H");
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut counts = Vec::new();
        for k in 0..4 {
            let mut single = Network::new(0.1, 3);
            let NeuronModel::IafPscExp(base) = lif() else {
                unreachable!()
            };
            single.add_population(Population::new(
                "S",
                1,
                NeuronModel::IafPscExp(IafPscExp {
                    i_offset: drives[k],
                    tau_m: taus[k],
                    ..base
                }),
            ));
            single.record_spikes("S");
            let expected = spike_steps(&single, backend.clone(), "S", 0);
            let got = spike_steps(&net, backend.clone(), "H", k as u32);
            assert_eq!(got, expected, "neuron {k}");
            counts.push(got.len());
        }
        // Every neuron is above rheobase (I·tau_m / cm > 15 mV) and fires at its own rate.
        let distinct: std::collections::BTreeSet<usize> = counts.iter().copied().collect();
        assert!(
            counts.iter().all(|&c| c > 0) && distinct.len() == 4,
            "{counts:?}"
        );
    }
}

#[test]
fn drawn_parameters_vary_and_match_the_cpu_reference() {
    let mut net = Network::new(0.1, 8);
    net.add_population(
        Population::new("H", 2000, lif())
            .with_heterogeneous("i_offset", Value::uniform(0.7, 1.5))
            .with_heterogeneous("tau_m", Value::normal_clipped(20.0, 3.0, 10.0, 30.0)),
    );
    net.record_spikes("H");
    let run = |backend| {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run(2000).unwrap();
        sim.spikes("H").unwrap().clone()
    };
    let (gpu, cpu) = (run(Backend::Gpu), run(Backend::Cpu));
    assert_eq!(gpu, cpu);
    let counts = gpu.counts();
    let distinct: std::collections::BTreeSet<u32> = counts.iter().copied().collect();
    assert!(distinct.len() > 5, "rates do not vary: {distinct:?}");
    // Heterogeneous populations cost a parameter block per neuron.
    let plan = neurodyn::Plan::new(&net).unwrap();
    let homogeneous = {
        let mut flat = net.clone();
        flat.populations[0].heterogeneous.clear();
        neurodyn::Plan::new(&flat).unwrap()
    };
    assert_eq!(plan.params.len(), 2000 * homogeneous.params.len());
    assert_eq!(
        neurodyn::plan::memory::estimate(&net).buffers,
        plan.buffers,
        "the estimate counts the per-neuron blocks"
    );
}

/// The SD of a standard normal truncated to [−a, a].
fn truncated_sd_factor(a: f64) -> f64 {
    let density = (-a * a / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    // 2 Φ(a) − 1 = erf(a / √2), by its series (converges fast for a = 1).
    let x = a / 2f64.sqrt();
    let erf = (0..30)
        .map(|n| {
            let n_f = f64::from(n);
            let factorial: f64 = (1..=n).map(f64::from).product();
            (-1f64).powi(n) * x.powf(2.0 * n_f + 1.0) / (factorial * (2.0 * n_f + 1.0))
        })
        .sum::<f64>()
        * 2.0
        / std::f64::consts::PI.sqrt();
    (1.0 - 2.0 * a * density / erf).sqrt()
}

#[test]
fn drawn_values_follow_their_distributions() {
    // i_offset (word 6 of an iaf_psc_exp block) drawn from each distribution for
    // 20,000 neurons: the sample mean and SD within 3 standard errors of the
    // distribution's (SE of the SD taken as SD / sqrt(2 (n - 1))).
    let n = 20_000;
    let (mu, sigma) = (0.1f64, 0.25f64);
    let lognormal_mean = (mu + sigma * sigma / 2.0).exp();
    let lognormal_sd = ((sigma * sigma).exp_m1() * (2.0 * mu + sigma * sigma).exp()).sqrt();
    for (value, mean, sd) in [
        (Value::uniform(0.7, 1.5), 1.1, 0.8 / 12f64.sqrt()),
        // Clipped at ±10 SD: the truncation is far below a standard error.
        (Value::normal_clipped(1.0, 0.2, -1.0, 3.0), 1.0, 0.2),
        // Clipped at ±1 SD (redrawn outside): a truncated normal, SD σ·sqrt(1 − 2 a
        // φ(a) / (2 Φ(a) − 1)) for a = 1 (its lighter tails only make the SE smaller).
        (
            Value::normal_clipped(1.0, 0.2, 0.8, 1.2),
            1.0,
            0.2 * truncated_sd_factor(1.0),
        ),
        (Value::lognormal(mu, sigma), lognormal_mean, lognormal_sd),
    ] {
        let mut net = Network::new(0.1, 21);
        net.add_population(
            Population::new("H", n, lif()).with_heterogeneous("i_offset", value.clone()),
        );
        let plan = neurodyn::Plan::new(&net).unwrap();
        let stride = plan.populations[0].info.param_stride as usize;
        let drawn: Vec<f64> = (0..n as usize)
            .map(|k| f64::from(plan.params[k * stride + 6]))
            .collect();
        let (low, high) = value.range();
        assert!(drawn
            .iter()
            .all(|x| (low as f32 as f64..=high as f32 as f64).contains(x)));
        let count = drawn.len() as f64;
        let sample_mean = drawn.iter().sum::<f64>() / count;
        let sample_sd =
            (drawn.iter().map(|x| (x - sample_mean).powi(2)).sum::<f64>() / (count - 1.0)).sqrt();
        let se_mean = sd / count.sqrt();
        let se_sd = sd / (2.0 * (count - 1.0)).sqrt();
        assert!(
            (sample_mean - mean).abs() < 3.0 * se_mean,
            "{value:?}: mean {sample_mean} vs {mean}"
        );
        assert!(
            (sample_sd - sd).abs() < 3.0 * se_sd,
            "{value:?}: SD {sample_sd} vs {sd}"
        );
        // Another seed draws other values.
        net.seed = 22;
        assert_ne!(neurodyn::Plan::new(&net).unwrap().params, plan.params);
    }
}

#[test]
fn refractory_period_and_resting_potential_vary_per_neuron_too() {
    // Each neuron's own tau_refrac, v_rest and initial v: its spikes and its membrane
    // potential (reported in mV, from its own rest) are those of a one-neuron
    // population with its values.
    let refrac = [2.0, 3.0, 1.5, 5.0];
    let rest = [-65.0, -62.0, -68.0, -64.0];
    let start = [-60.0, -61.0, -59.0, -58.0];
    let drive = 1.2;
    let with = |model: IafPscExp| {
        NeuronModel::IafPscExp(IafPscExp {
            i_offset: drive,
            ..model
        })
    };
    let NeuronModel::IafPscExp(base) = lif() else {
        unreachable!()
    };
    let mut net = Network::new(0.1, 3);
    net.add_population(
        Population::new("H", 4, with(base.clone()))
            .with_heterogeneous("tau_refrac", Value::array(refrac.to_vec()))
            .with_heterogeneous("v_rest", Value::array(rest.to_vec()))
            .with_initial("v", Value::array(start.to_vec())),
    );
    net.record_spikes("H");
    // Each block carries its refractory steps: the estimate counts that word too.
    let plan = neurodyn::Plan::new(&net).unwrap();
    assert_eq!(neurodyn::plan::memory::estimate(&net).buffers, plan.buffers);
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut all = Simulation::new(&net, backend.clone()).unwrap();
        assert_eq!(all.read_state("H", "v").unwrap(), start.map(|v| v as f32));
        all.run(3000).unwrap();
        let v_all = all.read_state("H", "v").unwrap();
        for k in 0..4 {
            let mut single = Network::new(0.1, 3);
            let own = IafPscExp {
                tau_refrac: refrac[k],
                v_rest: rest[k],
                ..base.clone()
            };
            single.add_population(
                Population::new("S", 1, with(own)).with_initial("v", Value::constant(start[k])),
            );
            single.record_spikes("S");
            let mut alone = Simulation::new(&single, backend.clone()).unwrap();
            alone.run(3000).unwrap();
            let expected = alone.spikes("S").unwrap();
            let got = all.spikes("H").unwrap();
            let mine: Vec<u64> = (got.steps.iter().zip(&got.neurons))
                .filter(|(_, &n)| n == k as u32)
                .map(|(&s, _)| s)
                .collect();
            assert_eq!(mine, expected.steps, "neuron {k} ({backend:?})");
            assert!(mine.len() > 5, "neuron {k} fires");
            assert_eq!(
                v_all[k],
                alone.read_state("S", "v").unwrap()[0],
                "neuron {k}"
            );
        }
    }
}

#[test]
fn bad_heterogeneity_is_refused_naming_the_field() {
    let refuse = |name: &str, value: Value| {
        let mut net = Network::new(0.1, 1);
        net.add_population(Population::new("H", 3, lif()).with_heterogeneous(name, value));
        neurodyn::Plan::new(&net).unwrap_err().to_string()
    };
    let e = refuse("i_offset", Value::array(vec![1.0, 2.0]));
    assert!(e.contains("populations[H].heterogeneous.i_offset"), "{e}");
    let e = refuse("tau_refrac", Value::uniform(-1.0, 2.0));
    assert!(e.contains("tau_refrac"), "{e}");
    let e = refuse("tau_mem", Value::uniform(1.0, 2.0));
    assert!(e.contains("no parameter `tau_mem`"), "{e}");
    // A normal whose 8-SD range reaches negative time constants.
    let e = refuse("tau_m", Value::normal(20.0, 5.0));
    assert!(e.contains("tau_m"), "{e}");
}

#[test]
fn model_files_give_heterogeneous_parameters() {
    let text = r#"
[simulation]
duration_ms = 10.0
[[populations]]
name = "H"
size = 3
model = "iaf_psc_exp"
heterogeneous = { i_offset = { distribution = "array", values = [0.5, 1.0, 1.5] }, tau_m = { distribution = "uniform", low = 15.0, high = 25.0 } }
"#;
    let dir = std::env::temp_dir().join(format!("neurodyn-het-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("het.toml");
    std::fs::write(&path, text).unwrap();
    let model = neurodyn::model::file::load(&path).unwrap();
    assert_eq!(model.network.populations[0].heterogeneous.len(), 2);
    assert!(neurodyn::Plan::new(&model.network).is_ok());
    // A bare array is the array table; a bad value in it, or a bad end of a range, is
    // named and located as itself (it was `populations[0].params.tau_m`, at the
    // population's header).
    let bare = text.replace(
        r#"{ distribution = "array", values = [0.5, 1.0, 1.5] }"#,
        "[0.5, 1.0, 1.5]",
    );
    std::fs::write(&path, &bare).unwrap();
    let same = neurodyn::model::file::load(&path).unwrap();
    assert_eq!(same.network, model.network);
    for (from, to, needle) in [
        (
            "[0.5, 1.0, 1.5]",
            "[0.5, 1.0, 1.5], v_thresh = [-50.0, -70.0, -50.0]",
            ":8:66: `populations[0].heterogeneous.v_thresh[1]`: at this value, v_reset = -65: \
             must be below v_thresh (-70 mV)",
        ),
        (
            "low = 15.0",
            "low = -15.0",
            ":8:83: `populations[0].heterogeneous.tau_m.low` = -15",
        ),
    ] {
        std::fs::write(&path, bare.replace(from, to)).unwrap();
        let e = neurodyn::model::file::load(&path).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
