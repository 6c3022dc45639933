//! Potjans & Diesmann (2014)'s microcircuit (`model::microcircuit`): sizes, synapse
//! numbers, weights and DC as NEST's example derives them (hand-computed values), and
//! the scale-0.1 network firing at plausible rates on the GPU.

use neurodyn::model::microcircuit::{self, MicrocircuitOptions, POPULATIONS};
use neurodyn::{Backend, Connectivity, Network, NeuronModel, Simulation, Stimulus, Value};

fn options(scale: f64, k_scale: f64, poisson_input: bool) -> MicrocircuitOptions {
    MicrocircuitOptions {
        scale,
        k_scale,
        poisson_input,
        ..MicrocircuitOptions::default()
    }
}

/// Sum of the `fixed_total_number` synapse counts of every projection (no drawing).
fn total_synapses(network: &Network) -> u64 {
    network
        .projections
        .iter()
        .map(|p| match p.connectivity {
            Connectivity::FixedTotalNumber { n, .. } => n,
            ref other => panic!("unexpected rule {other:?}"),
        })
        .sum()
}

fn i_offset(network: &Network, population: &str) -> f64 {
    match &network.population(population).unwrap().neuron {
        NeuronModel::IafPscExp(p) => p.i_offset,
        other => panic!("unexpected model {other:?}"),
    }
}

fn mean_weight(network: &Network, pre: &str, post: &str) -> f64 {
    let p = network
        .projections
        .iter()
        .find(|p| p.pre == pre && p.post == post)
        .unwrap();
    match p.weight {
        Value::Normal { mean, .. } => mean,
        ref other => panic!("unexpected weight {other:?}"),
    }
}

fn poisson(network: &Network, target: &str) -> (f64, f64) {
    network
        .stimuli
        .iter()
        .find_map(|s| match s {
            Stimulus::Poisson {
                target: t,
                rate_hz,
                weight,
                ..
            } if t == target => Some((*rate_hz, *weight)),
            _ => None,
        })
        .unwrap()
}

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1e-3),
        "{what}: {actual} vs {expected}"
    );
}

#[test]
fn full_scale_sizes_and_synapse_count_match_the_published_model() {
    let network = microcircuit::network(&options(1.0, 1.0, true)).unwrap();
    let sizes: Vec<u32> = network.populations.iter().map(|p| p.size).collect();
    assert_eq!(
        sizes,
        [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948],
        "full-scale population sizes"
    );
    assert_eq!(sizes.iter().map(|&n| u64::from(n)).sum::<u64>(), 77_169);
    // Σ round(ln(1 − p) / ln(1 − 1/(N_pre N_post))) over the 64 pairs, computed with
    // NEST's formula in Python: 298,880,968 (NEST: "≈ 3·10⁸", ~299 million).
    let total = total_synapses(&network);
    assert_eq!(total, 298_880_968);
    assert_eq!(
        total,
        microcircuit::parameters(&options(1.0, 1.0, true))
            .unwrap()
            .total_synapses()
    );
    // The 9 pairs with p = 0 have no projection.
    assert_eq!(network.projections.len(), 64 - 9);
    // Full scale: no compensation DC, the unscaled PSC (0.15 mV · 585.39 pA/mV).
    for name in POPULATIONS {
        assert_eq!(i_offset(&network, name), 0.0, "{name} DC");
    }
    let (rate, weight) = poisson(&network, "L23E");
    close(rate, 8.0 * 1600.0, "L23E Poisson rate");
    close(weight, 0.087_808_493_529_208_43, "external weight (nA)");
    network.validate().unwrap();
}

#[test]
fn scale_0_1_sizes_match_nest() {
    // NEST's reference run at N_scaling = K_scaling = 0.1 (population_nodeids.dat):
    // numpy rounds halves to even, so 2191.5 → 2192, 106.5 → 106, 1439.5 → 1440.
    let network = microcircuit::network(&MicrocircuitOptions::default()).unwrap();
    let sizes: Vec<u32> = network.populations.iter().map(|p| p.size).collect();
    assert_eq!(sizes, [2068, 583, 2192, 548, 485, 106, 1440, 295]);
    assert_eq!(sizes.iter().sum::<u32>(), 7717);
    assert_eq!(total_synapses(&network), 2_988_807);
    assert_eq!(network.recorders.len(), 8, "spikes of all eight recorded");
    network.validate().unwrap();
}

#[test]
fn in_degree_scaling_adjusts_weights_and_dc_as_nest_does() {
    // PSC/PSP for C_m = 250 pF, τ_m = 10 ms, τ_syn = 0.5 ms: 585.3899568613896 pA/mV,
    // so the excitatory PSC is 87.80849352920843 pA.
    close(
        microcircuit::psc_over_psp(250.0, 10.0, 0.5),
        585.389_956_861_389_6,
        "PSC over PSP",
    );
    let sqrt_k = 0.1f64.sqrt();
    let psc = 87.808_493_529_208_43e-3; // nA

    let network = microcircuit::network(&options(0.1, 0.1, true)).unwrap();
    // Weights / √K.
    close(
        mean_weight(&network, "L23E", "L23E"),
        psc / sqrt_k,
        "L23E→L23E",
    );
    close(
        mean_weight(&network, "L4E", "L23E"),
        2.0 * psc / sqrt_k,
        "L4E→L23E",
    );
    close(
        mean_weight(&network, "L23I", "L23E"),
        -4.0 * psc / sqrt_k,
        "L23I→L23E",
    );
    let (rate, weight) = poisson(&network, "L23E");
    close(rate, 8.0 * 160.0, "Poisson rate: 8 Hz · round(1600 · 0.1)");
    close(weight, psc / sqrt_k, "external weight");
    // DC for L2/3E (hand-computed): in-degrees K_ij / N_i of row L2/3E = 2199.86,
    // 1079.32, 979.24, 467.58, 159.24, 0, 109.82, 0; with the weights in pA and the
    // full-scale rates, Σ_j PSC_ij K_ij/N_i ν_j = −1,039,022.75 pA/s, and the Poisson
    // input PSC · 1600 · 8 Hz = 1,123,948.72 pA/s; DC = 0.001 · 0.5 ms · (1 − √0.1) ·
    // (sum) = 29.035009174 pA.
    close(
        i_offset(&network, "L23E"),
        29.035_009_174_000_72e-3,
        "L23E DC (nA)",
    );
    close(
        i_offset(&network, "L6I"),
        153.709_719_650_616_82e-3,
        "L6I DC (nA)",
    );

    // Without Poisson input the DC replaces it at full K_ext
    // (8 Hz · 1600 · 87.808 pA · 0.5 ms · 0.001 = 561.97 pA for L2/3E), plus only the
    // recurrent compensation.
    let network = microcircuit::network(&options(0.1, 0.1, false)).unwrap();
    assert!(network.stimuli.is_empty());
    close(
        i_offset(&network, "L23E"),
        206.746_905_148_692_24e-3,
        "L23E DC without Poisson (nA)",
    );
    let network = microcircuit::network(&options(0.1, 1.0, false)).unwrap();
    close(
        i_offset(&network, "L23E"),
        8.0 * 1600.0 * psc * 0.5 * 0.001,
        "L23E DC without Poisson, unscaled in-degrees",
    );
    close(
        mean_weight(&network, "L23E", "L23E"),
        psc,
        "L23E→L23E, unscaled",
    );
}

#[test]
fn procedural_option_marks_every_projection() {
    let network = microcircuit::network(&MicrocircuitOptions {
        procedural: true,
        ..MicrocircuitOptions::default()
    })
    .unwrap();
    assert!(network.projections.iter().all(|p| p.procedural));
    network.validate().unwrap();
    let network = microcircuit::network(&MicrocircuitOptions {
        built_on_device: true,
        ..MicrocircuitOptions::default()
    })
    .unwrap();
    assert!(network.projections.iter().all(|p| p.built_on_device));
    network.validate().unwrap();
}

#[test]
fn bad_scales_are_refused() {
    assert!(microcircuit::network(&options(0.0, 0.1, true)).is_err());
    assert!(microcircuit::network(&options(0.1, f64::NAN, true)).is_err());
    // L5I (1065 neurons) would round to no neuron.
    assert!(microcircuit::network(&options(1e-4, 0.1, true)).is_err());
}

/// Runs `network` for a `transient_ms` that is discarded, then `measured_ms`; returns
/// the spike records of the measured stretch.
fn run(
    network: &Network,
    backend: Backend,
    transient_ms: f64,
    measured_ms: f64,
) -> Vec<neurodyn::SpikeRecord> {
    let mut sim = Simulation::new(network, backend).unwrap();
    sim.run_ms(transient_ms).unwrap();
    sim.drain_spikes();
    sim.run_ms(measured_ms).unwrap();
    sim.drain_spikes()
}

/// Every population's rate within 0.1–30 Hz and a factor 2 of NEST's own scale-0.1
/// run; returns the table for messages.
fn check_rates(records: &[neurodyn::SpikeRecord]) -> String {
    let mut report = String::new();
    for (k, name) in POPULATIONS.iter().enumerate() {
        let record = records.iter().find(|r| r.population == *name).unwrap();
        let rate = record.mean_rate_hz();
        let nest = microcircuit::NEST_SCALE_0_1_RATES_HZ[k];
        report += &format!("{name}: {rate:.3} Hz (NEST at scale 0.1: {nest} Hz)\n");
    }
    for (k, name) in POPULATIONS.iter().enumerate() {
        let record = records.iter().find(|r| r.population == *name).unwrap();
        let rate = record.mean_rate_hz();
        let nest = microcircuit::NEST_SCALE_0_1_RATES_HZ[k];
        assert!(
            (0.1..=30.0).contains(&rate),
            "{name} rate {rate} Hz outside 0.1–30 Hz\n{report}"
        );
        assert!(
            (0.5..=2.0).contains(&(rate / nest)),
            "{name} rate {rate} Hz not within a factor 2 of NEST's {nest} Hz\n{report}"
        );
    }
    report
}

/// 7,717 neurons, 2,988,807 stored synapses on the GPU (lavapipe in CI): a 100 ms
/// transient, then 500 ms measured (NEST: 500 ms + 1000 ms; shortened to keep the test
/// near 10 s), spike for spike the same as on the CPU reference.
#[test]
fn scale_0_1_fires_at_plausible_rates_on_the_gpu() {
    let network = microcircuit::network(&MicrocircuitOptions::default()).unwrap();
    let gpu = run(&network, Backend::Gpu, 100.0, 500.0);
    println!("{}", check_rates(&gpu));
    let cpu = run(&network, Backend::Cpu, 100.0, 500.0);
    assert!(gpu == cpu, "GPU and CPU reference spikes differ");
}

/// The same with every projection procedural (no synapse stored), over 100 ms + 200 ms
/// (procedural rows cost more on lavapipe), against the CPU reference too; and with
/// every projection built on the device, which stores the same rows.
#[test]
fn scale_0_1_procedural_fires_at_plausible_rates_on_the_gpu() {
    let options = MicrocircuitOptions {
        procedural: true,
        ..MicrocircuitOptions::default()
    };
    let network = microcircuit::network(&options).unwrap();
    let gpu = run(&network, Backend::Gpu, 100.0, 200.0);
    println!("{}", check_rates(&gpu));
    let cpu = run(&network, Backend::Cpu, 100.0, 200.0);
    assert!(gpu == cpu, "GPU and CPU reference spikes differ");
    let built = microcircuit::network(&MicrocircuitOptions {
        procedural: false,
        built_on_device: true,
        ..options
    })
    .unwrap();
    let stored = run(&built, Backend::Gpu, 100.0, 200.0);
    assert!(
        stored == gpu,
        "built rows give other spikes than procedural ones"
    );
}
