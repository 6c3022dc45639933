//! Error-modulated (delta-rule) learning of readout weights: with error zero nothing
//! changes; with a fixed error each weight moves in the error's sign by
//! η dt · error · Σ x_pre, identically on GPU and CPU; a per-synapse η of 0 masks a
//! synapse; bad errors are refused.

use neurodyn::model::Plasticity;
use neurodyn::{
    Backend, Connectivity, IafPscExp, Network, NeuronModel, Population, Projection, Receptor,
    Simulation, SpikeSourceArray, Value,
};

const DT: f64 = 0.1;
const ETA: f64 = 0.002;
const TAU: f64 = 15.0;
const W0: f64 = 50.0;

/// Presynaptic neuron i's spike times: every 6 + 4 i ms.
fn pre_times() -> Vec<Vec<f64>> {
    (0..4)
        .map(|i| {
            let period = 6.0 + 4.0 * f64::from(i);
            (1..200)
                .map(|k| f64::from(k) * period)
                .take_while(|&t| t < 400.0)
                .collect()
        })
        .collect()
}

/// Four sources onto two LIF readouts, all to all; synapse 5 (pre 2 → post 1) has
/// η = 0.
fn network() -> Network {
    let mut net = Network::new(DT, 8);
    net.add_population(Population::new(
        "pre",
        4,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: pre_times(),
        }),
    ));
    net.add_population(Population::new(
        "out",
        2,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    let mut eta = vec![ETA; 8];
    eta[5] = 0.0;
    net.add_projection(
        Projection::new(
            "pre",
            "out",
            Connectivity::AllToAll {
                allow_autapses: true,
            },
            W0,
            1.0,
            Receptor::Excitatory,
        )
        .with_plasticity(Plasticity::ErrorModulatedSynapse {
            eta: ETA,
            tau_pre: TAU,
            w_min: 0.0,
            w_max: 200.0,
        })
        .with_heterogeneous_plasticity("eta", Value::array(eta)),
    );
    net
}

fn bits(w: &[f32]) -> Vec<u32> {
    w.iter().map(|x| x.to_bits()).collect()
}

/// Σ over steps `from .. to` of pre neuron i's trace after each step's spikes.
fn summed_trace(i: usize, from: u64, to: u64) -> f64 {
    let steps: Vec<u64> = pre_times()[i]
        .iter()
        .map(|&t| ((t / DT + 0.5 + 1e-9).floor() - 1.0) as u64)
        .collect();
    (from..to)
        .map(|t| {
            steps
                .iter()
                .filter(|&&s| s <= t)
                .map(|&s| (-((t - s) as f64) * DT / TAU).exp())
                .sum::<f64>()
        })
        .sum()
}

#[test]
fn a_fixed_error_moves_each_weight_by_the_rule_and_zero_error_moves_none() {
    let errors = [0.5f32, -0.25];
    let mut finals = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&network(), backend.clone()).unwrap();
        let initial = sim.weights(0).unwrap();
        sim.run(1000).unwrap();
        assert_eq!(
            bits(&sim.weights(0).unwrap()),
            bits(&initial),
            "{backend:?}: no error, no change"
        );
        sim.set_error("out", 0, &errors).unwrap();
        sim.run(2000).unwrap();
        let weights = sim.weights(0).unwrap();
        let synapses = sim.plastic_projection(0).unwrap().clone();
        for (s, w) in weights.iter().enumerate() {
            let (pre, post) = (synapses.pre[s] as usize, synapses.post[s] as usize);
            let eta = if pre == 2 && post == 1 { 0.0 } else { ETA };
            let expected = W0 + eta * DT * f64::from(errors[post]) * summed_trace(pre, 1000, 3000);
            let got = f64::from(*w);
            assert!(
                (got - expected).abs() < 1e-3 * (expected - W0).abs().max(1.0),
                "{backend:?} synapse {pre} → {post}: {got} vs {expected}"
            );
            if eta == 0.0 {
                assert_eq!(*w, W0 as f32, "a masked synapse stays");
            } else {
                assert_eq!(
                    *w > W0 as f32,
                    errors[post] > 0.0,
                    "moves in the error's sign"
                );
            }
        }
        // Set back to zero, the weights stay where they are.
        sim.set_error("out", 0, &[0.0, 0.0]).unwrap();
        sim.run(500).unwrap();
        assert_eq!(bits(&sim.weights(0).unwrap()), bits(&weights));
        finals.push(bits(&weights));
    }
    assert_eq!(finals[0], finals[1], "GPU and CPU weights differ");
}

#[test]
fn errors_survive_a_checkpoint() {
    let dir = std::env::temp_dir().join(format!("neurodyn-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let net = network();
    let mut whole = Simulation::new(&net, Backend::Cpu).unwrap();
    whole.set_error("out", 0, &[0.3, 0.1]).unwrap();
    whole.run(1000).unwrap();
    let mut half = Simulation::new(&net, Backend::Gpu).unwrap();
    half.set_error("out", 0, &[0.3, 0.1]).unwrap();
    half.run(500).unwrap();
    half.checkpoint(&dir.join("c.ndck")).unwrap();
    let mut resumed = Simulation::restore(&net, Backend::Gpu, &dir.join("c.ndck")).unwrap();
    resumed.run(500).unwrap();
    assert_eq!(
        bits(&resumed.weights(0).unwrap()),
        bits(&whole.weights(0).unwrap())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_errors_are_refused() {
    let mut sim = Simulation::new(&network(), Backend::Cpu).unwrap();
    let e = sim.set_error("out", 0, &[0.1]).unwrap_err().to_string();
    assert!(e.contains("1 values for 2 neurons"), "{e}");
    let e = sim
        .set_error("out", 0, &[0.1, f32::NAN])
        .unwrap_err()
        .to_string();
    assert!(e.contains("NaN"), "{e}");
    assert!(sim.set_error("out", 3, &[0.0, 0.0]).is_err());
    // Errors of a population no error-modulated synapse ends on would not be read.
    let e = sim.set_error("pre", 0, &[0.0; 4]).unwrap_err().to_string();
    assert!(
        e.contains("no error-modulated synapses end on `pre`"),
        "{e}"
    );
    let mut plain = network();
    plain.projections[0].plasticity = None;
    plain.projections[0].plasticity_heterogeneous.clear();
    let mut sim = Simulation::new(&plain, Backend::Cpu).unwrap();
    let e = sim
        .set_error("out", 0, &[0.0, 0.0])
        .unwrap_err()
        .to_string();
    assert!(e.contains("no error-modulated synapses"), "{e}");
}
