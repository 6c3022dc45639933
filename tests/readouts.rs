//! Readouts and closed-loop stepping: the device's spike counts and traces equal
//! their definition for known spike trains, on GPU and CPU alike; `run_until`
//! windows partition the run; a closed loop that feeds readouts back as streamed
//! events is identical on both backends; checkpoints keep readouts and queued events.

use neurodyn::{
    Backend, IafPscExp, Network, NeuronModel, Population, Projection, Receptor, Simulation,
    SpikeSourceArray, SpikeSourceStream,
};

const DT: f64 = 0.1;
const TAU: f64 = 20.0;

fn times() -> Vec<Vec<f64>> {
    vec![
        vec![1.0, 5.0, 5.05, 30.0, 31.3],
        vec![],
        (1..40).map(|k| f64::from(k) * 2.5).collect(),
    ]
}

fn sources() -> Network {
    let mut net = Network::new(DT, 3);
    net.add_population(Population::new(
        "A",
        3,
        NeuronModel::SpikeSourceArray(SpikeSourceArray {
            spike_times_ms: times(),
        }),
    ));
    net.add_readout("A", TAU);
    net
}

#[test]
fn counts_and_traces_follow_their_definition_on_both_backends() {
    let mut words = Vec::new();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&sources(), backend.clone()).unwrap();
        let mut all = Vec::new();
        for t_end in [3.0, 31.0, 60.0, 120.0] {
            let window = sim.run_until(t_end).unwrap();
            let values = &window.readouts[0];
            assert_eq!(values.population, "A");
            let end = window.end_step;
            for (n, list) in times().iter().enumerate() {
                // Spike steps (two times in one step are one spike).
                let mut steps: Vec<u64> = list
                    .iter()
                    .map(|&t| ((t / DT + 0.5 + 1e-9).floor() - 1.0) as u64)
                    .filter(|&s| s < end)
                    .collect();
                steps.dedup();
                assert_eq!(
                    values.counts[n] as usize,
                    steps.len(),
                    "{backend:?} neuron {n} at {t_end}"
                );
                let expected: f64 = steps
                    .iter()
                    .map(|&s| (-((end - 1 - s) as f64) * DT / TAU).exp())
                    .sum();
                assert!(
                    (values.traces[n] - expected).abs() <= 1e-5 * expected.max(1.0),
                    "{backend:?} neuron {n} at {t_end}: {} vs {expected}",
                    values.traces[n]
                );
            }
            all.push(values.clone());
        }
        // Window counts add up to the counts; rates are counts over the window.
        let total: Vec<u32> = (0..3)
            .map(|n| all.iter().map(|v| v.window_counts[n]).sum())
            .collect();
        assert_eq!(total, all.last().unwrap().counts);
        let last = all.last().unwrap();
        assert!((last.rates_hz[2] - f64::from(last.window_counts[2]) / 0.06).abs() < 1e-9);
        words.push(all);
    }
    assert_eq!(words[0], words[1], "GPU and CPU readouts differ");
}

/// A closed loop: a stream drives 50 LIF neurons with a readout; after each 10 ms
/// window the host sends the stream's channel k a spike 2 ms later for every
/// readout neuron k whose trace exceeds a threshold (feedback through the host).
fn closed_loop(backend: Backend) -> (Vec<Vec<u32>>, Vec<(u64, u32)>) {
    let mut net = Network::new(DT, 4);
    net.add_population(Population::new(
        "S",
        50,
        NeuronModel::SpikeSourceStream(SpikeSourceStream {
            events: (0..50).map(|n| (0.5 + f64::from(n) * 0.2, n)).collect(),
        }),
    ));
    net.add_population(Population::new(
        "L",
        50,
        NeuronModel::IafPscExp(IafPscExp {
            i_offset: 0.2,
            ..Default::default()
        }),
    ));
    net.add_projection(Projection::new(
        "S",
        "L",
        neurodyn::Connectivity::FixedProbability {
            p: 0.2,
            allow_autapses: true,
        },
        2.0,
        1.0,
        Receptor::Excitatory,
    ));
    net.add_readout("L", 10.0);
    net.record_spikes("S");
    let mut sim = Simulation::new(&net, backend).unwrap();
    let mut counts = Vec::new();
    for w in 1..=30 {
        let t = f64::from(w) * 10.0;
        let window = sim.run_until(t).unwrap();
        let readout = &window.readouts[0];
        let feedback: Vec<(f64, u32)> = readout
            .traces
            .iter()
            .enumerate()
            .filter(|(_, &r)| r > 0.05)
            .map(|(k, _)| (t + 2.0, k as u32))
            .collect();
        sim.push_events("S", 0, &feedback).unwrap();
        counts.push(readout.window_counts.clone());
    }
    let stream = sim.spikes("S").unwrap().pairs();
    // (spikes before the last window were drained by run_until)
    (counts, stream)
}

#[test]
fn a_closed_loop_through_the_host_is_identical_on_gpu_and_cpu() {
    let (gpu_counts, gpu_stream) = closed_loop(Backend::Gpu);
    let (cpu_counts, cpu_stream) = closed_loop(Backend::Cpu);
    let spikes: u32 = gpu_counts.iter().flatten().sum();
    assert!(spikes > 100, "the loop sustains activity: {spikes}");
    assert_eq!(
        gpu_counts, cpu_counts,
        "readouts differ between GPU and CPU"
    );
    assert_eq!(gpu_stream, cpu_stream, "streams differ between GPU and CPU");
}

#[test]
fn checkpoints_keep_readouts_and_queued_events() {
    let dir = std::env::temp_dir().join(format!("neurodyn-readouts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut net = sources();
    net.add_population(Population::new(
        "S",
        4,
        NeuronModel::SpikeSourceStream(SpikeSourceStream::default()),
    ));
    net.add_readout("S", 5.0);
    let events = [(12.0, 1), (48.0, 3), (49.0, 3), (70.0, 0)];
    // A window from 20 ms on, across the checkpoint at 40 ms.
    let mut whole = Simulation::new(&net, Backend::Cpu).unwrap();
    whole.push_events("S", 0, &events).unwrap();
    whole.run_ms(20.0).unwrap();
    whole.readouts().unwrap();
    whole.run_ms(60.0).unwrap();
    let expected = whole.readouts().unwrap();

    let mut first = Simulation::new(&net, Backend::Gpu).unwrap();
    first.push_events("S", 0, &events).unwrap();
    first.run_ms(20.0).unwrap();
    first.readouts().unwrap();
    first.run_ms(20.0).unwrap();
    let path = dir.join("half.ckpt");
    first.checkpoint(&path).unwrap();
    let mut resumed = Simulation::restore(&net, Backend::Gpu, &path).unwrap();
    assert_eq!(
        resumed.pending_events(),
        3,
        "the events after 40 ms are in the checkpoint"
    );
    resumed.run_ms(40.0).unwrap();
    let got = resumed.readouts().unwrap();
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(
            (&g.counts, &g.traces),
            (&e.counts, &e.traces),
            "{}",
            g.population
        );
        assert_eq!(
            (&g.window_counts, &g.rates_hz),
            (&e.window_counts, &e.rates_hz),
            "{}: the window goes on across the checkpoint",
            g.population
        );
    }
    assert_eq!(got[1].counts, vec![1, 1, 0, 2]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_readouts_are_refused() {
    let mut net = sources();
    net.add_readout("B", 10.0);
    net.add_readout("A", 0.0);
    let e = neurodyn::Plan::new(&net).unwrap_err().to_string();
    assert!(
        e.contains("readouts[1].population") && e.contains("unknown population `B`"),
        "{e}"
    );
    assert!(
        e.contains("readouts[2].population") && e.contains("already has a readout"),
        "{e}"
    );
    assert!(e.contains("readouts[2].tau_ms"), "{e}");
    // So short that dt/τ is beyond f32 (its trace read NaN in a spike's step).
    let mut net = sources();
    net.add_readout("A", 1e-40);
    let e = neurodyn::Plan::new(&net).unwrap_err().to_string();
    assert!(
        e.contains("readouts[1].tau_ms") && e.contains("dt/τ must be an f32"),
        "{e}"
    );
    let mut sim = Simulation::new(&sources(), Backend::Cpu).unwrap();
    assert!(sim
        .run_until(f64::NAN)
        .unwrap_err()
        .to_string()
        .contains("NaN"));
}
