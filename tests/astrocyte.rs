//! Astrocyte-modulated STDP: the astrocyte's level integrates exactly its input
//! populations' spike counts (the same f32 recursion as the CPU twin, bit for bit, on
//! both backends), its level scales STDP potentiation by max(1 + A, 0) and depression
//! by max(1 − A, 0), it survives a checkpoint, and bad astrocytes are refused.

use neurodyn::model::{Pairing, Plasticity};
use neurodyn::{
    Astrocyte, Backend, Connectivity, IafPscExp, Network, NeuronModel, ParrotNeuron, Population,
    Projection, Receptor, Simulation, SpikeSourceArray, Stimulus,
};

const DT: f64 = 0.1;
const TAU_A: f64 = 50.0;
const BIAS: f64 = 0.2;
const W_IN: f64 = 0.01;
const W_RES: f64 = -0.004;

fn stdp() -> Plasticity {
    Plasticity::StdpSynapse {
        tau_plus: 20.0,
        tau_minus: 20.0,
        lambda: 0.02,
        alpha: 1.1,
        mu_plus: 0.0,
        mu_minus: 0.0,
        w_max: 3.0,
        pairing: Pairing::AllToAll,
    }
}

/// 40 Poisson-driven parrots into 80 LIF neurons with recurrent STDP under an
/// astrocyte that counts both populations.
fn reservoir() -> Network {
    let mut net = Network::new(DT, 21);
    net.add_population(Population::new(
        "in",
        40,
        NeuronModel::ParrotNeuron(ParrotNeuron {}),
    ));
    net.add_stimulus(Stimulus::Poisson {
        target: "in".into(),
        rate_hz: 100.0,
        weight: 1.0,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    net.add_population(Population::new(
        "res",
        80,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    net.add_projection(Projection::new(
        "in",
        "res",
        Connectivity::FixedProbability {
            p: 0.3,
            allow_autapses: true,
        },
        2.5,
        1.0,
        Receptor::Excitatory,
    ));
    net.add_projection(
        Projection::new(
            "res",
            "res",
            Connectivity::FixedProbability {
                p: 0.1,
                allow_autapses: false,
            },
            1.0,
            1.5,
            Receptor::Excitatory,
        )
        .with_plasticity(stdp())
        .with_astrocyte("glia"),
    );
    net.add_astrocyte(
        Astrocyte::new("glia", TAU_A, BIAS)
            .with_input("in", W_IN)
            .with_input("res", W_RES),
    );
    net.record_spikes("in");
    net.record_spikes("res");
    net
}

/// Spikes per step of a record over `steps` steps.
fn counts(sim: &Simulation, population: &str, steps: u64) -> Vec<u32> {
    let mut n = vec![0u32; steps as usize];
    for &s in &sim.spikes(population).unwrap().steps {
        n[s as usize] += 1;
    }
    n
}

#[test]
fn the_level_integrates_exactly_the_input_spike_counts() {
    let steps = 3000u64;
    let decay = (-DT / TAU_A).exp() as f32;
    let rest = (-BIAS * (-DT / TAU_A).exp_m1()) as f32;
    let mut outcomes = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&reservoir(), backend.clone()).unwrap();
        assert_eq!(sim.astrocyte("glia", 0).unwrap(), BIAS as f32);
        // Levels in force during steps 99, 199, …: read after each 100 steps.
        let mut levels = Vec::new();
        for _ in 0..steps / 100 {
            sim.run(100).unwrap();
            levels.push(sim.astrocyte("glia", 0).unwrap());
        }
        let (n_in, n_res) = (counts(&sim, "in", steps), counts(&sim, "res", steps));
        let totals = (n_in.iter().sum::<u32>(), n_res.iter().sum::<u32>());
        assert!(totals.0 > 1000 && totals.1 > 1000, "{totals:?}");
        // A during step t: A(t − 1) e^(−dt/τ) + rest + w_in n_in(t − 1) + w_res n_res(t − 1),
        // the same f32 operations in the same order as the kernel.
        let mut a = BIAS as f32;
        let mut expected = Vec::new();
        for t in 0..steps as usize {
            a = a * decay + rest;
            if t > 0 {
                a += W_IN as f32 * n_in[t - 1] as f32;
                a += W_RES as f32 * n_res[t - 1] as f32;
            }
            if t % 100 == 99 {
                expected.push(a);
            }
        }
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&levels), bits(&expected), "{backend:?}");
        assert!(
            levels.iter().any(|&l| (l - BIAS as f32).abs() > 0.05),
            "the level moved: {levels:?}"
        );
        let weights = bits(&sim.weights(1).unwrap());
        outcomes.push((sim.spikes("res").unwrap().pairs(), weights, bits(&levels)));
    }
    assert!(outcomes[0] == outcomes[1], "GPU and CPU differ");
}

/// One isolated pair per Δt (at the synapse) through each of `rules`, each projection
/// under its own constant astrocyte at `levels[k]`: the final weights.
fn scaled_pairs(
    rules: &[Plasticity],
    levels: &[f64],
    dts: &[f64],
    backend: Backend,
) -> Vec<Vec<f32>> {
    let (t_pre, delay) = (100.0, 1.0);
    let source = |name: &str, times: Vec<Vec<f64>>| {
        Population::new(
            name,
            times.len() as u32,
            NeuronModel::SpikeSourceArray(SpikeSourceArray {
                spike_times_ms: times,
            }),
        )
    };
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", dts.iter().map(|_| vec![t_pre]).collect()));
    net.add_population(source(
        "post",
        dts.iter().map(|dt| vec![t_pre + dt - delay]).collect(),
    ));
    for rule in rules {
        for (k, &level) in levels.iter().enumerate() {
            let name = format!("a{}-{k}", net.projections.len());
            // τ so long the level stays at its bias; no inputs.
            net.add_astrocyte(Astrocyte::new(&name, 1e12, level));
            let pairs: Vec<_> = (0..dts.len() as u32).map(|i| (i, i, 50.0, delay)).collect();
            net.add_projection(
                Projection::from_list("pre", "post", &pairs, Receptor::Excitatory)
                    .with_plasticity(rule.clone())
                    .with_astrocyte(&name),
            );
        }
    }
    let mut sim = Simulation::new(&net, backend).unwrap();
    sim.run_ms(250.0).unwrap();
    (0..net.projections.len())
        .map(|p| sim.weights(p).unwrap())
        .collect()
}

#[test]
fn the_level_scales_potentiation_and_depression_by_the_formula() {
    let dts = [-30.0, -5.0, 5.0, 30.0];
    let levels = [0.5, -0.4, 1.5, 0.0];
    let triplet = Plasticity::StdpTripletSynapse {
        tau_plus: 16.8,
        tau_plus_triplet: 101.0,
        tau_minus: 33.7,
        tau_minus_triplet: 125.0,
        a_plus: 0.5,
        a_minus: 0.6,
        a_plus_triplet: 0.0,
        a_minus_triplet: 0.0,
        w_max: 100.0,
    };
    let mut finals = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let weights = scaled_pairs(&[stdp_window(), triplet.clone()], &levels, &dts, backend);
        for (k, &a) in levels.iter().enumerate() {
            let (up, down) = Astrocyte::stdp_gains(a);
            for (i, &dt) in dts.iter().enumerate() {
                // stdp_synapse, additive: ŵ ± gain · λ (α) e^(−|Δt|/τ).
                let expected = if dt > 0.0 {
                    0.5 + up * 0.01 * (-dt / 20.0).exp()
                } else {
                    0.5 - down * 1.2 * 0.01 * (dt / 30.0).exp()
                } * 100.0;
                let got = f64::from(weights[k][i]);
                assert!(
                    (got - expected).abs() < 1e-4,
                    "stdp A = {a} Δt {dt}: {got} vs {expected}"
                );
                // stdp_triplet_synapse with pair terms only: w ± gain · A₂± e^(−|Δt|/τ).
                let expected = if dt > 0.0 {
                    50.0 + up * 0.5 * (-dt / 16.8).exp()
                } else {
                    50.0 - down * 0.6 * (dt / 33.7).exp()
                };
                let got = f64::from(weights[levels.len() + k][i]);
                assert!(
                    (got - expected).abs() < 1e-4,
                    "triplet A = {a} Δt {dt}: {got} vs {expected}"
                );
            }
        }
        finals.push(weights);
    }
    assert_eq!(finals[0], finals[1], "GPU and CPU differ");
}

fn stdp_window() -> Plasticity {
    Plasticity::StdpSynapse {
        tau_plus: 20.0,
        tau_minus: 30.0,
        lambda: 0.01,
        alpha: 1.2,
        mu_plus: 0.0,
        mu_minus: 0.0,
        w_max: 100.0,
        pairing: Pairing::AllToAll,
    }
}

#[test]
fn the_level_survives_a_checkpoint() {
    let dir = std::env::temp_dir().join(format!("neurodyn-astro-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let net = reservoir();
    let mut whole = Simulation::new(&net, Backend::Cpu).unwrap();
    whole.run(1000).unwrap();
    let mut half = Simulation::new(&net, Backend::Cpu).unwrap();
    half.run(500).unwrap();
    half.checkpoint(&dir.join("a.ndck")).unwrap();
    let mut resumed = Simulation::restore(&net, Backend::Gpu, &dir.join("a.ndck")).unwrap();
    resumed.run(500).unwrap();
    assert_eq!(
        resumed.astrocyte("glia", 0).unwrap().to_bits(),
        whole.astrocyte("glia", 0).unwrap().to_bits()
    );
    assert_eq!(resumed.weights(1).unwrap(), whole.weights(1).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_astrocytes_are_refused() {
    let refused = |net: &Network| match Simulation::new(net, Backend::Cpu) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    let mut net = reservoir();
    net.projections[1].astrocyte = Some("astro".into());
    let e = refused(&net);
    assert!(e.contains("no astrocyte `astro` (astrocytes: glia)"), "{e}");
    assert!(e.contains("modulates no projection"), "{e}");
    let mut net = reservoir();
    net.astrocytes[0].tau_ms = 0.0;
    net.astrocytes[0].inputs[1].population = "nowhere".into();
    let e = refused(&net);
    assert!(e.contains("astrocytes[0].tau_ms"), "{e}");
    assert!(e.contains("astrocytes[0].inputs[1].population"), "{e}");
    // A weight whose worst case overflows f32 (A became +inf without a fault).
    let mut net = reservoir();
    net.astrocytes[0].inputs[0].weight = 3e36;
    let e = refused(&net);
    assert!(
        e.contains("`astrocytes[0].inputs`: with every input neuron spiking every step"),
        "{e}"
    );
    let mut net = reservoir();
    net.projections[0].astrocyte = Some("glia".into());
    let e = refused(&net);
    assert!(e.contains("projections[0] (in -> res).astrocyte"), "{e}");
    assert!(e.contains("stdp_synapse"), "{e}");
    let mut net = reservoir();
    net.recorders.push(neurodyn::Recorder::Branching {
        population: "res".into(),
        window_ms: 5.0,
        bin_ms: 1.0,
        max_lag: 10,
        instance: 1,
    });
    let e = refused(&net);
    assert!(e.contains("recorders[2].window_ms"), "{e}");
    assert!(e.contains("at least max_lag + 2 = 12"), "{e}");
    assert!(e.contains("recorders[2].instance"), "{e}");
    let mut sim = Simulation::new(&reservoir(), Backend::Cpu).unwrap();
    let e = sim.astrocyte("astro", 0).unwrap_err().to_string();
    assert!(e.contains("no astrocyte `astro`"), "{e}");
    assert!(sim.astrocyte("glia", 1).is_err());
}

#[test]
fn the_astrocyte_reservoir_moves_from_sub_critical_toward_a_branching_ratio_of_one() {
    let out = std::env::temp_dir().join(format!("neurodyn-astro-run-{}", std::process::id()));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/astro_reservoir.toml");
    let mut model = neurodyn::model::file::load(std::path::Path::new(path)).unwrap();
    model.duration_ms = 6000.0;
    let options = neurodyn::run::RunOptions::new(out.clone(), Backend::Gpu);
    neurodyn::run::run_model(&model, &options, &mut |_| {}).unwrap();
    let csv = std::fs::read_to_string(out.join("branching_E.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{csv}");
    let m: Vec<f64> = rows.iter().map(|r| r[3]).collect();
    assert!(m[0] < 0.8, "starts sub-critical: {csv}");
    assert!(m[2] > 0.95 && m[2] < 1.05, "ends near 1: {csv}");
    std::fs::remove_dir_all(&out).unwrap();
}
