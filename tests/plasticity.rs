//! Plasticity on the device: the STDP window against its analytic value, GPU and CPU
//! reference bit-identical on a plastic network, short-term plasticity against the
//! Tsodyks–Markram recursion, and the triplet rule's frequency dependence.

use neurodyn::model::{Pairing, Plasticity};
use neurodyn::{
    Backend, Network, NeuronModel, Population, Projection, Receptor, Simulation, SpikeSourceArray,
};

const DT: f64 = 0.1;
const DELAY: f64 = 1.0;

fn source(name: &str, times: Vec<Vec<f64>>) -> Population {
    Population::new(
        name,
        times.len() as u32,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: times,
        }),
    )
}

fn stdp(mu: f64) -> Plasticity {
    Plasticity::StdpSynapse {
        tau_plus: 20.0,
        tau_minus: 30.0,
        lambda: 0.01,
        alpha: 1.2,
        mu_plus: mu,
        mu_minus: mu,
        w_max: 100.0,
        pairing: Pairing::AllToAll,
    }
}

/// One isolated pair per Δt (at the synapse: t_post + delay − t_pre, NEST's
/// convention), one projection per rule: the final weights.
fn pair_weights(rules: &[Plasticity], dts: &[f64], w0: f64, backend: Backend) -> Vec<Vec<f32>> {
    let t_pre = 100.0;
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", dts.iter().map(|_| vec![t_pre]).collect()));
    net.add_population(source(
        "post",
        dts.iter().map(|dt| vec![t_pre + dt - DELAY]).collect(),
    ));
    for rule in rules {
        let pairs: Vec<_> = (0..dts.len() as u32).map(|i| (i, i, w0, DELAY)).collect();
        net.add_projection(
            Projection::from_list("pre", "post", &pairs, Receptor::Excitatory)
                .with_plasticity(rule.clone()),
        );
    }
    let mut sim = Simulation::new(&net, backend).unwrap();
    sim.run_ms(250.0).unwrap();
    (0..rules.len()).map(|p| sim.weights(p).unwrap()).collect()
}

#[test]
fn the_stdp_window_changes_weights_by_the_analytic_amount() {
    let dts = [-50.0, -20.0, -5.0, 5.0, 20.0, 50.0];
    let (w0, w_max, lambda, alpha, tau_plus, tau_minus) = (50.0, 100.0, 0.01, 1.2, 20.0, 30.0);
    for backend in [Backend::Gpu, Backend::Cpu] {
        let name = format!("{backend:?}");
        let weights = pair_weights(&[stdp(0.0), stdp(1.0)], &dts, w0, backend);
        for (form, mu) in [(0, 0.0), (1, 1.0)] {
            for (k, &dt) in dts.iter().enumerate() {
                let norm: f64 = w0 / w_max;
                let expected = if dt > 0.0 {
                    norm + lambda * (1.0 - norm).powf(mu) * (-dt / tau_plus).exp()
                } else {
                    norm - alpha * lambda * norm.powf(mu) * (dt / tau_minus).exp()
                } * w_max;
                let got = f64::from(weights[form][k]);
                assert!(
                    (got - expected).abs() < 1e-5 * w_max,
                    "{name} mu {mu} Δt {dt}: {got} vs {expected}"
                );
            }
        }
    }
}

/// The polychronization network of `models/izhikevich2006.toml`: 1000 neurons,
/// 80,000 plastic synapses.
fn izhikevich2006() -> Network {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/izhikevich2006.toml");
    neurodyn::model::file::load(std::path::Path::new(path))
        .unwrap()
        .network
}

/// Per population, its spikes as (step, neuron) in order.
type Rasters = Vec<Vec<(u64, u32)>>;

/// Rasters and plastic weights after `ms`.
fn raster_and_weights(net: &Network, backend: Backend, ms: f64) -> (Rasters, Vec<Vec<f32>>) {
    let mut sim = Simulation::new(net, backend).unwrap();
    sim.run_ms(ms).unwrap();
    let rasters = ["E", "I"]
        .iter()
        .map(|p| sim.spikes(p).unwrap().pairs())
        .collect();
    let weights = (0..2).map(|p| sim.weights(p).unwrap()).collect();
    (rasters, weights)
}

#[test]
fn a_plastic_network_is_bit_identical_on_gpu_and_cpu_and_run_to_run() {
    let net = izhikevich2006();
    let plastic: usize = net
        .projections
        .iter()
        .filter(|p| p.plasticity.is_some())
        .map(|p| match p.connectivity {
            neurodyn::Connectivity::FixedOutDegree { k, .. } => k as usize * 800,
            _ => 0,
        })
        .sum();
    assert!(plastic >= 50_000, "{plastic}");
    let ms = 10_000.0;
    let (gpu_raster, gpu_weights) = raster_and_weights(&net, Backend::Gpu, ms);
    let (cpu_raster, cpu_weights) = raster_and_weights(&net, Backend::Cpu, ms);
    let spikes: usize = gpu_raster.iter().map(Vec::len).sum();
    assert!(spikes > 10_000, "the network is active: {spikes} spikes");
    let initial = 6.0f32;
    let changed = gpu_weights[0].iter().filter(|&&w| w != initial).count();
    assert!(
        changed > gpu_weights[0].len() / 2,
        "weights changed: {changed}"
    );
    assert!(
        gpu_raster == cpu_raster,
        "rasters differ between GPU and CPU"
    );
    for (g, c) in gpu_weights.iter().zip(&cpu_weights) {
        let bits = |w: &[f32]| w.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(g), bits(c), "weights differ between GPU and CPU");
    }
    let (again_raster, again_weights) = raster_and_weights(&net, Backend::Gpu, ms);
    assert!(again_raster == gpu_raster, "two GPU runs differ");
    assert!(again_weights == gpu_weights, "two GPU runs' weights differ");
}

/// `count` spike pairs at `frequency_hz`, the presynaptic spike `dt_ms` after the
/// postsynaptic one reaches the synapse (Δt = t_post + delay − t_pre = −dt_ms):
/// the final weight of one triplet-rule synapse starting at 1.
fn triplet_after_pairing(frequency_hz: f64, dt_ms: f64, count: usize, backend: Backend) -> f32 {
    let period = 1000.0 / frequency_hz;
    let posts: Vec<f64> = (0..count).map(|k| 100.0 + k as f64 * period).collect();
    let pres: Vec<f64> = posts.iter().map(|t| t + DELAY + dt_ms).collect();
    let mut net = Network::new(1.0, 1);
    net.add_population(source("pre", vec![pres]));
    net.add_population(source("post", vec![posts]));
    net.add_projection(
        Projection::from_list("pre", "post", &[(0, 0, 1.0, DELAY)], Receptor::Excitatory)
            .with_plasticity(Plasticity::StdpTripletSynapse {
                tau_plus: 16.8,
                tau_plus_triplet: 101.0,
                tau_minus: 33.7,
                tau_minus_triplet: 125.0,
                a_plus: 5e-10,
                a_minus: 7e-3,
                a_plus_triplet: 6.2e-3,
                a_minus_triplet: 2.3e-4,
                w_max: 10.0,
            }),
    );
    let mut sim = Simulation::new(&net, backend).unwrap();
    sim.run_ms(200.0 + count as f64 * period).unwrap();
    sim.weights(0).unwrap()[0]
}

#[test]
fn the_triplet_rule_depresses_at_low_and_potentiates_at_high_pairing_frequency() {
    // Pfister & Gerstner (2006), visual cortex all-to-all fit: pairings with the
    // presynaptic spike 10 ms after the postsynaptic one depress at 1 Hz and
    // potentiate at 50 Hz (Sjöström et al. 2001).
    let pairs = 15;
    for backend in [Backend::Gpu, Backend::Cpu] {
        let low = triplet_after_pairing(1.0, 10.0, pairs, backend.clone());
        let high = triplet_after_pairing(50.0, 10.0, pairs, backend.clone());
        let potentiating = triplet_after_pairing(50.0, -10.0, pairs, backend);
        assert!(low < 1.0, "1 Hz: {low}");
        assert!(high > 1.0, "50 Hz: {high}");
        assert!(
            potentiating > high,
            "pre-before-post at 50 Hz: {potentiating}"
        );
    }
}

/// Amplitudes (nA) a regular presynaptic train delivers through one Tsodyks–Markram
/// synapse of weight `w`, read from the fixed-point input ring after each spike.
fn tsodyks_amplitudes(
    rule: Plasticity,
    w: f64,
    isi: f64,
    count: usize,
    backend: Backend,
) -> Vec<f64> {
    let times: Vec<f64> = (0..count).map(|k| 100.0 + k as f64 * isi).collect();
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", vec![times.clone()]));
    net.add_population(Population::new(
        "post",
        1,
        NeuronModel::IafPscExp(neurodyn::IafPscExp::default()),
    ));
    net.add_projection(
        Projection::from_list("pre", "post", &[(0, 0, w, DELAY)], Receptor::Excitatory)
            .with_plasticity(rule),
    );
    let mut sim = Simulation::new(&net, backend).unwrap();
    let post = sim
        .plan()
        .populations
        .iter()
        .position(|p| p.name == "post")
        .unwrap();
    let unit = 2f64.powi(-sim.plan().populations[post].input_scale_log2[0]);
    let neuron = sim.plan().populations[post].first as usize;
    let slot = sim.plan().config.n_receptors as usize * sim.plan().n_neurons() as usize;
    let mut amplitudes = Vec::new();
    for t in times {
        // The spike is in the ring, half a delay before its arrival.
        sim.run_ms(t + DELAY / 2.0 - sim.time_ms()).unwrap();
        let ring = sim.read_input_ring().unwrap();
        let pending: i64 = ring.chunks(slot).map(|s| i64::from(s[neuron])).sum();
        amplitudes.push(pending as f64 * unit);
    }
    amplitudes
}

#[test]
fn short_term_plasticity_follows_the_tsodyks_markram_recursion() {
    let cases = [
        // Depressing (NEST's defaults): U = 0.5, τ_rec = 800 ms, no facilitation.
        (0.5, 800.0, 0.0),
        // Facilitating.
        (0.1, 100.0, 1000.0),
    ];
    let (w, isi, count) = (2.0, 50.0, 10);
    for (u_se, tau_rec, tau_fac) in cases {
        let rule = Plasticity::Tsodyks2Synapse {
            u_se,
            tau_rec,
            tau_fac,
        };
        // The recursion in f64.
        let mut expected = Vec::new();
        let (mut u, mut x) = (u_se, 1.0f64);
        for k in 0..count {
            if k > 0 {
                x = 1.0 + (x - x * u - 1.0) * (-isi / tau_rec).exp();
                let u_decay = if tau_fac > 0.0 {
                    (-isi / tau_fac).exp()
                } else {
                    0.0
                };
                u = u_se + u * (1.0 - u_se) * u_decay;
            }
            expected.push(u * x * w);
        }
        for backend in [Backend::Gpu, Backend::Cpu] {
            let got = tsodyks_amplitudes(rule.clone(), w, isi, count, backend);
            for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert!(
                    (g - e).abs() < 1e-5 * e,
                    "U {u_se} spike {k}: {g} vs {e} (all: {got:?})"
                );
            }
        }
        let facilitating = tau_fac > 0.0;
        assert_eq!(expected[1] > expected[0], facilitating);
    }
}

/// The small Izhikevich (2007) network with its excitatory rule replaced by `rule`.
fn dopamine_network(rule: Plasticity) -> Network {
    let mut net = neurodyn::model::izhikevich2007::Izhikevich2007 {
        excitatory: 200,
        inhibitory: 50,
        synapses: 50,
        input_hz: 3.0,
        learning_scale: 1.0,
    }
    .network(3);
    for p in &mut net.projections[..2] {
        p.plasticity = Some(rule.clone());
    }
    net
}

fn dopamine(modulator: neurodyn::model::Modulator, volume: Option<&str>) -> Plasticity {
    Plasticity::StdpDopamineSynapse {
        tau_plus: 20.0,
        tau_minus: 20.0,
        a_plus: 0.1,
        a_minus: 0.15,
        tau_c: 1000.0,
        tau_n: 200.0,
        b: 0.0,
        w_min: 0.0,
        w_max: 4.0,
        pairing: Pairing::Nearest,
        modulator,
        volume_transmitter: volume.map(str::to_string),
    }
}

fn bits(w: &[f32]) -> Vec<u32> {
    w.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn three_factor_weights_change_only_under_a_modulator() {
    let net = dopamine_network(dopamine(neurodyn::model::Modulator::Level, None));
    let mut finals = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        let initial = sim.weights(0).unwrap();
        sim.run_ms(2000.0).unwrap();
        assert!(
            sim.spikes("E").unwrap().len() > 500,
            "the network is active"
        );
        assert_eq!(
            bits(&sim.weights(0).unwrap()),
            bits(&initial),
            "no modulator, no change"
        );
        // A level the host sets is held: weights move with the eligibility.
        for p in [0, 1] {
            sim.set_modulator(p, 0, 0.05).unwrap();
        }
        sim.run_ms(1000.0).unwrap();
        assert_eq!(sim.modulator(0, 0).unwrap(), 0.05);
        let after = sim.weights(0).unwrap();
        let moved = after.iter().zip(&initial).filter(|(a, b)| a != b).count();
        assert!(
            moved > after.len() / 2,
            "{moved} of {} weights moved",
            after.len()
        );
        finals.push(bits(&after));
    }
    assert_eq!(finals[0], finals[1], "GPU and CPU weights differ");
}

#[test]
fn a_volume_transmitter_drives_the_modulator_trace() {
    let mut net = dopamine_network(dopamine(neurodyn::model::Modulator::Trace, Some("DA")));
    net.add_population(source("DA", vec![vec![500.0, 520.0], vec![520.0]]));
    let mut finals = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run_ms(700.0).unwrap();
        // Three spikes (1/τ_n each), at steps 499 and 519 (stamped 500 and 520 ms),
        // decayed to the end of step 699.
        let tau_n = 200.0f64;
        let expected = ((-200.0 / tau_n).exp() + 2.0 * (-180.0 / tau_n).exp()) / tau_n;
        let n = f64::from(sim.modulator(0, 0).unwrap());
        assert!((n - expected).abs() < 1e-5 * expected, "{n} vs {expected}");
        sim.run_ms(1000.0).unwrap();
        finals.push((
            bits(&sim.weights(0).unwrap()),
            bits(&sim.weights(1).unwrap()),
        ));
    }
    assert!(finals[0] == finals[1], "GPU and CPU weights differ");
}

/// Two three-factor synapses, one potentiated (post 5 ms after pre) and one depressed
/// (post 5 ms before), under a modulator trace driven by 500 spikes of a volume
/// transmitter (twice the history the device keeps, so its ring wraps and the periodic
/// flush matters) and two levels the host sets half-way, one step apart. The device integrates the
/// weight change only when a synapse is touched; the test integrates it step by
/// step in f64 (exactly over each step: c and n decay, ∫c n and ∫c in closed form).
#[test]
fn three_factor_weight_change_is_the_integral_of_eligibility_and_modulator() {
    let (tau_pm, a_plus, a_minus, tau_c, tau_n, b) = (20.0, 0.001, 0.0015, 1000.0, 200.0, 0.002);
    let rule = Plasticity::StdpDopamineSynapse {
        tau_plus: tau_pm,
        tau_minus: tau_pm,
        a_plus,
        a_minus,
        tau_c,
        tau_n,
        b,
        w_min: 0.0,
        w_max: 4.0,
        pairing: Pairing::AllToAll,
        modulator: neurodyn::model::Modulator::Trace,
        volume_transmitter: Some("DA".into()),
    };
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", vec![vec![10.0], vec![10.0]]));
    net.add_population(source("post", vec![vec![14.0], vec![4.0]]));
    let da: Vec<f64> = (0..500).map(|k| 20.0 + 2.0 * f64::from(k)).collect();
    net.add_population(source("DA", vec![da.clone()]));
    let pairs = [(0, 0, 2.0, DELAY), (1, 1, 2.0, DELAY)];
    net.add_projection(
        Projection::from_list("pre", "post", &pairs, Receptor::Excitatory).with_plasticity(rule),
    );
    // The host sets a large level, and one step later (before the device has taken
    // the first in) a small one: both must count.
    let (set_step, spike_level, level, steps) = (6000usize, 30.0, 0.3, 12_000usize);

    // The f64 reference. A spike stamped t is emitted in step t/dt − 1; its arrival
    // at the synapse changes c before that step's integration (pre at step 99; the
    // first synapse's post arrives at 149, the second's at 49).
    let mut count = vec![0u32; steps];
    for t in &da {
        count[(t / DT).round() as usize - 1] += 1;
    }
    let q = (-DT / tau_n).exp();
    let decay_c = (-DT / tau_c).exp();
    let tau_cn = 1.0 / (1.0 / tau_c + 1.0 / tau_n);
    let with_n = tau_cn * -(-DT / tau_cn).exp_m1();
    let held = tau_c * -(-DT / tau_c).exp_m1();
    // Step k integrates the stretch after its events, ((k + 1) dt, (k + 2) dt]: the
    // weights read after the run are those at its end, without the last step's (the
    // modulator is the last step's).
    let (mut n, mut c, mut w) = (0.0f64, [0.0f64; 2], [2.0f64; 2]);
    for (k, &spikes) in count.iter().enumerate() {
        n = match k {
            _ if k == set_step => spike_level * q,
            _ if k == set_step + 1 => level * q,
            _ => n * q,
        } + f64::from(spikes) / tau_n;
        if k == 149 {
            c[0] += a_plus * (-5.0 / tau_pm).exp();
        }
        if k == 99 {
            c[1] -= a_minus * (-5.0 / tau_pm).exp();
        }
        if k + 1 == steps {
            break;
        }
        for (w, c) in w.iter_mut().zip(&mut c) {
            *w = (*w + *c * (n * with_n - b * held)).clamp(0.0, 4.0);
            *c *= decay_c;
        }
    }

    let mut finals = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run(set_step as u64).unwrap();
        sim.set_modulator(0, 0, spike_level as f32).unwrap();
        assert_eq!(sim.modulator(0, 0).unwrap(), spike_level as f32);
        sim.run(1).unwrap();
        sim.set_modulator(0, 0, level as f32).unwrap();
        assert_eq!(sim.modulator(0, 0).unwrap(), level as f32);
        sim.run((steps - set_step - 1) as u64).unwrap();
        let got = sim.weights(0).unwrap();
        for s in 0..2 {
            let (change, want) = (f64::from(got[s]) - 2.0, w[s] - 2.0);
            assert!(
                // f32 rounding of w over ~550 stretches: about 1e-5 of the change.
                (change - want).abs() < 1e-4 * want.abs(),
                "synapse {s}: weight change {change} against {want}"
            );
        }
        let modulator = f64::from(sim.modulator(0, 0).unwrap());
        assert!(
            (modulator - n).abs() < 1e-5 * n,
            "n {modulator} against {n}"
        );
        finals.push(bits(&got));
    }
    assert_eq!(finals[0], finals[1], "GPU and CPU weights differ");
}

/// The bounds hold at every moment, not only where a synapse is touched. With a
/// baseline b > 0, a modulator pulse drives w to w_max; when the decaying n falls
/// below b, w turns and falls from w_max. That turn lies inside a stretch no event
/// ends (about 92 ms after the pulse, in the flush stretch 100–125 ms), so a stretch
/// integrated whole and clamped only at its end would come back from above w_max (by
/// about 2% of the later fall). The test integrates step by step in f64, clamping
/// every step (NEST's updates).
#[test]
fn three_factor_weights_turn_from_a_bound_where_the_modulator_crosses_the_baseline() {
    let (tau_pm, a_plus, tau_c, tau_n, b, w_max) = (20.0, 1.0, 1000.0, 20.0, 0.01, 4.0);
    let rule = Plasticity::StdpDopamineSynapse {
        tau_plus: tau_pm,
        tau_minus: tau_pm,
        a_plus,
        a_minus: 1.5,
        tau_c,
        tau_n,
        b,
        w_min: 0.0,
        w_max,
        pairing: Pairing::AllToAll,
        modulator: neurodyn::model::Modulator::Trace,
        volume_transmitter: Some("DA".into()),
    };
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", vec![vec![10.0]]));
    net.add_population(source("post", vec![vec![14.0]]));
    // 20 spikes at 20 ms: n jumps to 1 (1/τ_n each).
    net.add_population(source("DA", vec![vec![20.0]; 20]));
    net.add_projection(
        Projection::from_list("pre", "post", &[(0, 0, 2.0, DELAY)], Receptor::Excitatory)
            .with_plasticity(rule),
    );
    let steps = 4000usize;
    let q = (-DT / tau_n).exp();
    let decay_c = (-DT / tau_c).exp();
    let tau_cn = 1.0 / (1.0 / tau_c + 1.0 / tau_n);
    let with_n = tau_cn * -(-DT / tau_cn).exp_m1();
    let held = tau_c * -(-DT / tau_c).exp_m1();
    // As in the test above: the pulse is emitted in step 199, the post spike reaches
    // the synapse in step 149.
    let (mut n, mut c, mut w) = (0.0f64, 0.0f64, 2.0f64);
    let mut peak = w;
    for k in 0..steps - 1 {
        n = n * q + if k == 199 { 20.0 / tau_n } else { 0.0 };
        if k == 149 {
            c += a_plus * (-5.0 / tau_pm).exp();
        }
        w = (w + c * (n * with_n - b * held)).clamp(0.0, w_max);
        c *= decay_c;
        peak = peak.max(w);
    }
    assert_eq!(peak, w_max, "the pulse drives w to its bound");
    let fall = w_max - w;
    assert!(fall > 1.0, "w falls from the bound: {w}");
    let mut finals = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend.clone()).unwrap();
        sim.run(steps as u64).unwrap();
        let got = sim.weights(0).unwrap();
        assert!(
            (f64::from(got[0]) - w).abs() < 1e-4 * fall,
            "{backend:?}: weight {} against {w}",
            got[0]
        );
        finals.push(bits(&got));
    }
    assert_eq!(finals[0], finals[1], "GPU and CPU weights differ");
}

/// An inhibitory three-factor synapse may be bounded by 0 (w_max = 0): its 1/w_max,
/// which the rule never reads, made the plan refuse it as an f32 overflow.
#[test]
fn an_inhibitory_three_factor_synapse_may_be_bounded_by_zero() {
    let mut rule = dopamine(neurodyn::model::Modulator::Trace, Some("DA"));
    if let Plasticity::StdpDopamineSynapse { w_min, w_max, .. } = &mut rule {
        (*w_min, *w_max) = (-5.0, 0.0);
    }
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", vec![vec![10.0]]));
    net.add_population(source("post", vec![vec![14.0]]));
    net.add_population(source("DA", vec![vec![20.0]]));
    net.add_projection(
        Projection::from_list("pre", "post", &[(0, 0, -1.0, DELAY)], Receptor::Inhibitory)
            .with_plasticity(rule),
    );
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run(300).unwrap();
        let w = sim.weights(0).unwrap()[0];
        assert!((-5.0..=0.0).contains(&w), "{w}");
    }
}

#[test]
fn three_factor_weights_are_read_at_the_end_of_the_run() {
    // No modulator, so only the baseline term acts: each integrated step after the
    // eligibility is set adds −c b τ_c (1 − e^(−dt/τ_c)), c decaying. Over 30 ms the
    // post spike (14 ms, 1 ms dendritic delay) sets c in step 149; steps 149..=298
    // are integrated by t = 30 ms (NEST 3.10's stdp_dopamine_synapse agrees to 1e-6);
    // one step more is 0.7% of the change.
    let (tau_pm, a_plus, tau_c, b): (f64, f64, f64, f64) = (20.0, 0.1, 1000.0, 0.005);
    let mut rule = dopamine(neurodyn::model::Modulator::Trace, Some("DA"));
    if let Plasticity::StdpDopamineSynapse { b: baseline, .. } = &mut rule {
        *baseline = b;
    }
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", vec![vec![10.0]]));
    net.add_population(source("post", vec![vec![14.0]]));
    net.add_population(source("DA", vec![vec![]]));
    net.add_projection(
        Projection::from_list("pre", "post", &[(0, 0, 2.0, DELAY)], Receptor::Excitatory)
            .with_plasticity(rule),
    );
    let held = tau_c * -(-DT / tau_c).exp_m1();
    let mut c = a_plus * (-5.0 / tau_pm).exp();
    let mut change = 0.0;
    for _ in 149..=298 {
        change -= c * b * held;
        c *= (-DT / tau_c).exp();
    }
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend.clone()).unwrap();
        sim.run_ms(30.0).unwrap();
        let got = f64::from(sim.weights(0).unwrap()[0]) - 2.0;
        assert!(
            (got - change).abs() < 1e-3 * change.abs(),
            "{backend:?}: weight change {got} against {change}"
        );
    }
}

#[test]
fn weights_set_from_the_host_must_lie_within_each_rules_bounds() {
    // Bounds [w_min, w_max] of a three-factor rule, and [w_max, 0] of an inhibitory
    // STDP rule: each refused outside, with the rule's bounds in the error.
    let mut dopamine_rule = dopamine(neurodyn::model::Modulator::Trace, Some("DA"));
    if let Plasticity::StdpDopamineSynapse { w_min, .. } = &mut dopamine_rule {
        *w_min = 0.5;
    }
    let mut inhibitory = stdp(0.0);
    if let Plasticity::StdpSynapse { w_max, .. } = &mut inhibitory {
        *w_max = -2.0;
    }
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", vec![vec![]]));
    net.add_population(source("post", vec![vec![]]));
    net.add_population(source("DA", vec![vec![]]));
    net.add_projection(
        Projection::from_list("pre", "post", &[(0, 0, 1.0, DELAY)], Receptor::Excitatory)
            .with_plasticity(dopamine_rule),
    );
    net.add_projection(
        Projection::from_list("pre", "post", &[(0, 0, -1.0, DELAY)], Receptor::Inhibitory)
            .with_plasticity(inhibitory),
    );
    let mut sim = Simulation::new(&net, Backend::Cpu).unwrap();
    for (projection, bad, good, bounds) in [(0, 0.2, 3.0, (0.5, 4.0)), (1, 1.0, -1.5, (-2.0, 0.0))]
    {
        match sim.set_weights(projection, &[bad]) {
            Err(neurodyn::Error::WeightOutOfRange { low, high, .. }) => {
                assert_eq!((low, high), bounds, "projection {projection}")
            }
            other => panic!("projection {projection}: expected a refusal, got {other:?}"),
        }
        sim.set_weights(projection, &[good]).unwrap();
        assert_eq!(sim.weights(projection).unwrap(), vec![good]);
    }
    // A static projection kept per instance for a weight sweep has no rule bounds.
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", vec![vec![]]));
    net.add_population(Population::new(
        "post",
        1,
        NeuronModel::IafPscExp(neurodyn::IafPscExp::default()),
    ));
    net.add_projection(Projection::from_list(
        "pre",
        "post",
        &[(0, 0, 1.0, DELAY)],
        Receptor::Excitatory,
    ));
    net.instances = 2;
    net.sweeps.push(neurodyn::model::Sweep::Weight {
        projection: 0,
        values: vec![1.0, 2.0],
    });
    let mut sim = Simulation::new(&net, Backend::Cpu).unwrap();
    sim.set_instance_weights(0, 1, &[0.7]).unwrap();
    assert_eq!(sim.instance_weights(0, 1).unwrap(), vec![0.7]);
    // Within just under twice the largest swept value, which the port's unit was
    // sized for, of either sign; beyond it the weight could be clamped in its
    // conversion to fixed point.
    sim.set_instance_weights(0, 0, &[-3.9]).unwrap();
    match sim.set_instance_weights(0, 1, &[4.0]) {
        Err(neurodyn::Error::WeightsBeyondUnit {
            neuron, sum, limit, ..
        }) => {
            assert_eq!((neuron, sum, limit), (0, 4.0, 3.98))
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(sim.instance_weights(0, 1).unwrap(), vec![0.7]);
    // Tsodyks synapses have no bounds: a neuron's weights may be shared out anew and
    // raised to just under twice their drawn sum (here 1 + 1 onto neuron 0, 3 onto
    // neuron 1).
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", vec![vec![]]));
    net.add_population(source("post", vec![vec![], vec![]]));
    net.add_projection(
        Projection::from_list(
            "pre",
            "post",
            &[(0, 0, 1.0, DELAY), (0, 1, 3.0, DELAY), (0, 0, 1.0, DELAY)],
            Receptor::Excitatory,
        )
        .with_plasticity(Plasticity::Tsodyks2Synapse {
            u_se: 0.5,
            tau_rec: 100.0,
            tau_fac: 0.0,
        }),
    );
    let mut sim = Simulation::new(&net, Backend::Cpu).unwrap();
    sim.set_weights(0, &[0.5, 5.9, 3.4]).unwrap();
    assert_eq!(sim.weights(0).unwrap(), vec![0.5, 5.9, 3.4]);
    match sim.set_weights(0, &[3.0, 1.0, 1.0]) {
        Err(neurodyn::Error::WeightsBeyondUnit {
            neuron, sum, limit, ..
        }) => {
            assert_eq!((neuron, sum, limit), (0, 4.0, 3.98))
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_three_factor_projection_without_synapses_keeps_its_modulator() {
    // p = 0 draws no synapse; the rule's modulator is still driven, read and set.
    let mut rule = dopamine(neurodyn::model::Modulator::Trace, Some("DA"));
    if let Plasticity::StdpDopamineSynapse { w_max, .. } = &mut rule {
        *w_max = 4.0;
    }
    let mut net = Network::new(DT, 1);
    net.add_population(source("pre", vec![vec![10.0]]));
    net.add_population(source("DA", vec![vec![50.0]]));
    let none = neurodyn::Connectivity::FixedProbability {
        p: 0.0,
        allow_autapses: true,
    };
    net.add_projection(
        Projection::new("pre", "pre", none, 1.0, 1.0, Receptor::Excitatory).with_plasticity(rule),
    );
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run_ms(100.0).unwrap();
        // One spike (1/τ_n) in the step stamped 50 ms, decayed to the end of step 999.
        let expected = (-50.0f64 / 200.0).exp() / 200.0;
        let n = f64::from(sim.modulator(0, 0).unwrap());
        assert!((n - expected).abs() < 1e-5 * expected, "{n} vs {expected}");
        sim.set_modulator(0, 0, 0.25).unwrap();
        assert_eq!(sim.modulator(0, 0).unwrap(), 0.25);
        assert!(sim.weights(0).unwrap().is_empty());
    }
}

#[test]
fn the_izhikevich2007_model_file_is_the_built_in_network() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/izhikevich2007.toml");
    let file = neurodyn::model::file::load(std::path::Path::new(path))
        .unwrap()
        .network;
    let built = neurodyn::model::izhikevich2007::network(1);
    assert_eq!(file.populations, built.populations);
    assert_eq!(file.projections, built.projections);
    assert_eq!(file.stimuli, built.stimuli);
    assert_eq!(file.recorders, built.recorders);
    assert_eq!((file.dt_ms, file.seed), (built.dt_ms, built.seed));
}

#[test]
fn conditioning_reinforces_the_rewarded_synapse_and_not_the_others() {
    // Izhikevich (2007)'s experiment (examples/reward_conditioning.rs runs the paper's
    // network for 100 minutes) on a quarter-size network with 3 Hz drive and A± doubled,
    // so that ten simulated minutes suffice; on the CPU reference, whose results the
    // GPU reproduces bit for bit (tests above).
    let variant = neurodyn::model::izhikevich2007::Izhikevich2007::small();
    let mut experiment =
        neurodyn::conditioning::Conditioning::with_network(&variant.network(1), Backend::Cpu)
            .unwrap();
    let end = experiment.run(600_000.0, 600_000.0, &mut |_| {}).unwrap();
    let w_max = experiment.w_max();
    assert!(end.rewards >= 20, "{end:?}");
    assert!(end.reinforced > 0.9 * w_max, "{end:?}");
    assert!(end.median_others < 0.25 * w_max, "{end:?}");
}

/// A network the experiment cannot run on is refused with the reason (it panicked on
/// an index or `E`), and so is a duration that is not a time.
#[test]
fn conditioning_refuses_a_network_it_cannot_run_on() {
    use neurodyn::conditioning::Conditioning;
    let refused = |net: &Network| match Conditioning::with_network(net, Backend::Cpu) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    let mut net = neurodyn::model::izhikevich2007::network(1);
    net.recorders.clear();
    assert!(refused(&net).contains("a population `E` with its spikes recorded"));
    let mut net = neurodyn::model::izhikevich2007::network(1);
    net.projections[0].connectivity = neurodyn::Connectivity::FixedProbability {
        p: 0.0,
        allow_autapses: false,
    };
    assert!(refused(&net).contains("projections[0] has no synapse to reinforce"));
    let variant = neurodyn::model::izhikevich2007::Izhikevich2007::small();
    let mut experiment = Conditioning::with_network(&variant.network(1), Backend::Cpu).unwrap();
    let e = experiment.run(f64::NAN, 100.0, &mut |_| {}).err();
    assert!(matches!(e, Some(neurodyn::Error::NotATime { .. })), "{e:?}");
}

#[test]
fn the_hebbian_rule_follows_its_equation_step_by_step() {
    let (eta, alpha, gamma, tau, w0) = (0.01, 0.5, 0.001, 20.0, 1.0);
    let pres: Vec<f64> = (0..10).map(|k| 10.0 + 20.0 * f64::from(k)).collect();
    let posts: Vec<f64> = (0..10).map(|k| 15.0 + 20.0 * f64::from(k)).collect();
    let mut net = Network::new(1.0, 1);
    net.add_population(source("pre", vec![pres]));
    net.add_population(source("post", vec![posts]));
    net.add_projection(
        Projection::from_list("pre", "post", &[(0, 0, w0, DELAY)], Receptor::Excitatory)
            .with_plasticity(Plasticity::HebbianSynapse {
                eta,
                tau_pre: tau,
                tau_post: tau,
                alpha,
                gamma,
                w_min: 0.0,
                w_max: 100.0,
            }),
    );
    net.record_spikes("pre");
    net.record_spikes("post");
    let steps = 250u64;
    let mut finals = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run(steps).unwrap();
        // The same equation in f64: presynaptic events at the spike's step,
        // postsynaptic ones a delay (1 step) later; traces include the step's events.
        let pre_steps = sim.spikes("pre").unwrap().steps.clone();
        let post_steps: Vec<u64> = sim
            .spikes("post")
            .unwrap()
            .steps
            .iter()
            .map(|s| s + 1)
            .collect();
        let trace = |events: &[u64], t: u64| -> f64 {
            events
                .iter()
                .filter(|&&e| e <= t)
                .map(|&e| (-((t - e) as f64) / tau).exp())
                .sum()
        };
        let mut w = w0;
        for t in 0..steps {
            let (x, y) = (trace(&pre_steps, t), trace(&post_steps, t));
            w = (w + eta * (x * y - alpha * y * y * w) - gamma * w).clamp(0.0, 100.0);
        }
        let got = f64::from(sim.weights(0).unwrap()[0]);
        assert!((got - w).abs() < 1e-4 * w, "{got} vs {w}");
        assert!((got - w0).abs() > 0.05, "the weight moved: {got}");
        finals.push(got);
    }
    assert_eq!(finals[0].to_bits(), finals[1].to_bits());
}

/// 200 Poisson inputs onto 100 LIF neurons through synaptic scaling toward 10 Hz,
/// starting from `w0`: the population's mean rate over the last 5 of 40 s.
fn scaled_rate(w0: f64, backend: Backend) -> (f64, Vec<u32>) {
    let mut net = Network::new(1.0, 5);
    net.add_population(Population::new(
        "input",
        200,
        NeuronModel::ParrotNeuron(neurodyn::ParrotNeuron {}),
    ));
    net.add_stimulus(neurodyn::Stimulus::Poisson {
        target: "input".into(),
        rate_hz: 10.0,
        weight: 1.0,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    net.add_population(Population::new(
        "out",
        100,
        NeuronModel::IafPscExp(neurodyn::IafPscExp::default()),
    ));
    net.add_projection(
        Projection::new(
            "input",
            "out",
            neurodyn::Connectivity::AllToAll {
                allow_autapses: true,
            },
            w0,
            1.0,
            Receptor::Excitatory,
        )
        .with_plasticity(Plasticity::SynapticScaling {
            target_rate_hz: 10.0,
            tau_rate: 1000.0,
            tau_scaling: 2000.0,
            w_min: 0.0,
            w_max: 5.0,
        }),
    );
    net.record_spikes("out");
    let mut sim = Simulation::new(&net, backend).unwrap();
    sim.run_ms(35_000.0).unwrap();
    sim.drain_spikes();
    sim.run_ms(5_000.0).unwrap();
    let rate = sim.spikes("out").unwrap().mean_rate_hz();
    (rate, bits(&sim.weights(0).unwrap()))
}

#[test]
fn synaptic_scaling_drives_the_rate_to_its_target() {
    for w0 in [0.05, 2.0] {
        let (rate, weights) = scaled_rate(w0, Backend::Cpu);
        assert!((rate - 10.0).abs() < 1.0, "from w = {w0}: {rate} Hz");
        if w0 > 1.0 {
            let (gpu_rate, gpu_weights) = scaled_rate(w0, Backend::Gpu);
            assert_eq!(gpu_rate, rate);
            assert_eq!(gpu_weights, weights, "GPU and CPU weights differ");
        }
    }
}

fn custom_rule(
    name: &str,
    on_pre: &str,
    on_post: &str,
    each_step: &str,
) -> neurodyn::model::CustomRule {
    neurodyn::model::CustomRule {
        name: name.into(),
        parameters: [
            ("a_plus".to_string(), 0.5),
            ("a_minus".to_string(), 0.6),
            ("scale".to_string(), 0.5),
        ]
        .into_iter()
        .collect(),
        variables: [("a".to_string(), 2.0), ("n_pre".to_string(), 0.0)]
            .into_iter()
            .collect(),
        tau_pre: 20.0,
        tau_post: 30.0,
        on_pre: on_pre.into(),
        on_post: on_post.into(),
        each_step: each_step.into(),
        w_min: 0.0,
        w_max: 100.0,
    }
}

#[test]
fn a_custom_rule_in_wgsl_gives_its_stdp_window() {
    let rule = custom_rule("pair", "w = w - a_minus * y;", "w = w + a_plus * x;", "");
    let dts = [-50.0, -20.0, -5.0, 5.0, 20.0, 50.0];
    let w0 = 10.0;
    let weights = pair_weights(&[Plasticity::Custom(rule)], &dts, w0, Backend::Gpu);
    for (k, &dt) in dts.iter().enumerate() {
        let expected = if dt > 0.0 {
            w0 + 0.5 * (-dt / 20.0f64).exp()
        } else {
            w0 - 0.6 * (dt / 30.0f64).exp()
        };
        let got = f64::from(weights[0][k]);
        assert!(
            (got - expected).abs() < 1e-5 * w0,
            "Δt {dt}: {got} vs {expected}"
        );
    }
}

#[test]
fn custom_rule_variables_parameters_and_each_step_work_and_errors_are_located() {
    let counting = custom_rule(
        "count",
        "n_pre = n_pre + 1.0;",
        "",
        "w = rounded(n_pre * scale) + a;",
    );
    let times: Vec<f64> = (0..7).map(|k| 10.0 + 10.0 * f64::from(k)).collect();
    let network = |rule: neurodyn::model::CustomRule| {
        let mut net = Network::new(DT, 1);
        net.add_population(source("pre", vec![times.clone()]));
        net.add_population(source("post", vec![vec![]]));
        net.add_projection(
            Projection::from_list("pre", "post", &[(0, 0, 1.0, DELAY)], Receptor::Excitatory)
                .with_plasticity(Plasticity::Custom(rule)),
        );
        net
    };
    let mut sim = Simulation::new(&network(counting.clone()), Backend::Gpu).unwrap();
    sim.run_ms(100.0).unwrap();
    assert_eq!(sim.weights(0).unwrap(), vec![7.0 * 0.5 + 2.0]);

    match Simulation::new(&network(counting), Backend::Cpu) {
        Err(neurodyn::Error::CustomRuleOnCpu { rule }) => assert_eq!(rule, "count"),
        other => panic!("expected a refusal, got {:?}", other.err()),
    }
    let broken = custom_rule("broken", "\nw = w + nope;", "", "");
    match Simulation::new(&network(broken.clone()), Backend::Gpu) {
        Err(neurodyn::Error::Shader(e)) => {
            assert_eq!(e.file, "custom rule `broken`, on_pre");
            assert_eq!((e.line, e.column), (2, 9), "{e}");
        }
        other => panic!("expected a shader error, got {:?}", other.err()),
    }
    // The same error on the host, without a device (what `neurodyn validate` reports).
    let plan = neurodyn::Plan::new(&network(broken)).unwrap();
    let e = neurodyn::gpu::check_user_code(&plan).unwrap_err();
    assert_eq!(e.file, "custom rule `broken`, on_pre");
    assert_eq!((e.line, e.column), (2, 9), "{e}");
    let plan = neurodyn::Plan::new(&network(custom_rule("fine", "n_pre = 1.0;", "", ""))).unwrap();
    neurodyn::gpu::check_user_code(&plan).unwrap();
}

#[test]
fn each_instance_of_an_ensemble_learns_on_its_own() {
    // Two instances of a plastic network: instance 0 is the single network, weights
    // included; instance 1 (its own Poisson input) ends with other weights.
    let single = dopamine_network(dopamine(neurodyn::model::Modulator::Level, None));
    let mut ensemble = single.clone();
    ensemble.instances = 2;
    let run = |net: &Network, backend: Backend| {
        let mut sim = Simulation::new(net, backend).unwrap();
        for b in 0..net.instances {
            for p in [0, 1] {
                sim.set_modulator(p, b, 0.05).unwrap();
            }
        }
        sim.run_ms(1000.0).unwrap();
        let weights: Vec<Vec<u32>> = (0..net.instances)
            .map(|b| bits(&sim.instance_weights(0, b).unwrap()))
            .collect();
        let raster = sim.instance_spikes("E", 0).unwrap().clone();
        (weights, raster)
    };
    let (one, one_raster) = run(&single, Backend::Gpu);
    let (two, two_raster) = run(&ensemble, Backend::Gpu);
    assert_eq!(two[0], one[0], "instance 0 differs from the single network");
    assert_eq!(two_raster, one_raster);
    assert_ne!(two[1], two[0], "instance 1 learned the same weights");
    let (cpu, _) = run(&ensemble, Backend::Cpu);
    assert_eq!(cpu, two, "GPU and CPU ensembles differ");
}

#[test]
fn intrinsic_plasticity_brings_each_neuron_to_its_target_rate() {
    // Two LIF populations driven far below and far above their 10 Hz target, and two
    // Izhikevich ones likewise: each neuron's homeostatic bias brings it to the target.
    let mut net = Network::new(0.1, 2);
    let lif = |i_offset| {
        NeuronModel::IafPscExp(neurodyn::IafPscExp {
            i_offset,
            ..Default::default()
        })
    };
    let izhikevich = |i_offset| {
        NeuronModel::Izhikevich(neurodyn::Izhikevich {
            i_offset,
            ..Default::default()
        })
    };
    for (name, model, eta) in [
        ("lif_low", lif(0.3), 0.01),
        ("lif_high", lif(2.5), 0.01),
        ("izh_low", izhikevich(0.0), 0.2),
        ("izh_high", izhikevich(30.0), 0.2),
    ] {
        net.add_population(Population::new(name, 20, model).with_intrinsic_plasticity(eta, 10.0));
        net.add_stimulus(neurodyn::Stimulus::Poisson {
            target: name.into(),
            rate_hz: 500.0,
            weight: if name.starts_with("lif") { 0.05 } else { 0.5 },
            receptor: Receptor::Excitatory,
            start_ms: 0.0,
            stop_ms: None,
        });
        net.record_spikes(name);
    }
    let mut rasters = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend).unwrap();
        sim.run_ms(12_000.0).unwrap();
        sim.drain_spikes();
        sim.run_ms(4_000.0).unwrap();
        for name in ["lif_low", "lif_high", "izh_low", "izh_high"] {
            let rate = sim.spikes(name).unwrap().mean_rate_hz();
            assert!((rate - 10.0).abs() < 1.0, "{name}: {rate} Hz");
        }
        rasters.push(sim.spike_records().to_vec());
    }
    assert_eq!(rasters[0], rasters[1], "GPU and CPU differ");
}
