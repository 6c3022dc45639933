//! Streaming input: spike events pushed from the host while the simulation runs
//! reach a `spike_source_stream` population at exactly the requested steps, across
//! batch boundaries and when a batch must be shortened to fit its events, identically
//! on GPU and CPU; bad events are refused; model files read events from `.npy`.

use neurodyn::{
    Backend, IafPscExp, Network, NeuronModel, Population, Projection, Receptor, Simulation,
    SpikeSourceStream,
};
use npyz::WriterBuilder;

const DT: f64 = 0.1;

fn stream(name: &str, size: u32, events: Vec<(f64, u32)>) -> Population {
    Population::new(
        name,
        size,
        NeuronModel::SpikeSourceStream(SpikeSourceStream { events }),
    )
}

/// A stream of 30 channels driving 40 LIF neurons.
fn network(instances: u32) -> Network {
    let mut net = Network::new(DT, 9);
    net.instances = instances;
    net.add_population(stream("S", 30, vec![(0.5, 3), (0.5, 3), (2.0, 29)]));
    net.add_population(Population::new(
        "L",
        40,
        NeuronModel::IafPscExp(IafPscExp {
            i_offset: 0.35,
            ..Default::default()
        }),
    ));
    net.add_projection(Projection::new(
        "S",
        "L",
        neurodyn::Connectivity::FixedProbability {
            p: 0.3,
            allow_autapses: true,
        },
        0.9,
        1.5,
        Receptor::Excitatory,
    ));
    net.record_spikes("S");
    net.record_spikes("L");
    net
}

/// Per population of `instance`, its spikes as sorted (step, neuron).
fn raster(sim: &Simulation, population: &str, instance: u32) -> Vec<(u64, u32)> {
    sim.instance_spikes(population, instance).unwrap().pairs()
}

/// A deterministic event pattern: for window `w`, events at irregular times ahead.
fn window_events(w: u64, seed: u64) -> Vec<(f64, u32)> {
    (0..25)
        .map(|k| {
            let x = (w * 7919 + k * 104_729 + seed * 31) % 10_007;
            // 0.1 .. 150 ms ahead of the window's start (73 ms long).
            let t = w as f64 * 73.0 + 0.1 + (x % 1500) as f64 * 0.1;
            (t, (x % 30) as u32)
        })
        .collect()
}

/// Per instance, spikes as sorted (step, neuron).
type Rasters = Vec<Vec<(u64, u32)>>;

/// Runs 20 windows of 73 ms (730 steps: batches of the plan's length split them),
/// pushing each window's events (up to two windows ahead) before running it; returns
/// the requested spike steps per instance and the rasters of S and L.
fn stream_run(backend: Backend, instances: u32) -> (Rasters, Rasters, Rasters) {
    let mut sim = Simulation::new(&network(instances), backend).unwrap();
    let mut requested: Vec<Vec<(u64, u32)>> = vec![vec![(4, 3), (19, 29)]; instances as usize];
    for w in 0..20 {
        for b in 0..instances {
            let events = window_events(w, u64::from(b));
            sim.push_events("S", b, &events).unwrap();
            requested[b as usize].extend(
                events
                    .iter()
                    .map(|&(t, n)| (((t / DT + 0.5 + 1e-9).floor() - 1.0) as u64, n)),
            );
        }
        sim.run_ms(73.0).unwrap();
    }
    let mut expected = Vec::new();
    let (mut sources, mut targets) = (Vec::new(), Vec::new());
    let end = sim.current_step();
    for b in 0..instances {
        let mut r: Vec<(u64, u32)> = requested[b as usize]
            .iter()
            .copied()
            .filter(|&(s, _)| s < end)
            .collect();
        r.sort_unstable();
        r.dedup();
        expected.push(r);
        sources.push(raster(&sim, "S", b));
        targets.push(raster(&sim, "L", b));
    }
    assert!(
        sim.pending_events() > 0,
        "events beyond the run stay queued"
    );
    (expected, sources, targets)
}

#[test]
fn streamed_events_arrive_at_the_requested_steps_on_gpu_and_cpu() {
    let (expected, gpu_sources, gpu_targets) = stream_run(Backend::Gpu, 1);
    assert!(expected[0].len() > 400, "{} events", expected[0].len());
    assert!(
        gpu_sources == expected,
        "the GPU stream differs from the requested events"
    );
    let (_, cpu_sources, cpu_targets) = stream_run(Backend::Cpu, 1);
    assert!(
        cpu_sources == expected,
        "the CPU stream differs from the requested events"
    );
    assert!(
        gpu_targets[0].len() > 100,
        "the stream drives L: {}",
        gpu_targets[0].len()
    );
    assert!(
        gpu_targets == cpu_targets,
        "L's rasters differ between GPU and CPU"
    );
}

#[test]
fn each_instance_takes_its_own_stream() {
    let (expected, gpu_sources, gpu_targets) = stream_run(Backend::Gpu, 3);
    assert!(
        gpu_sources == expected,
        "the instances' streams differ from their events"
    );
    assert!(
        expected[0] != expected[1],
        "the instances were given different events"
    );
    let (_, cpu_sources, cpu_targets) = stream_run(Backend::Cpu, 3);
    assert!(
        cpu_sources == gpu_sources && cpu_targets == gpu_targets,
        "GPU and CPU differ"
    );
    assert!(
        gpu_targets[1] != gpu_targets[2],
        "different input, different response"
    );
}

#[test]
fn a_batch_too_full_for_one_table_is_shortened_and_nothing_is_lost() {
    // 200 channels spiking in every step: 100,000 events in 500 steps, more than the
    // 65,536 one table holds.
    let mut net = Network::new(DT, 1);
    net.add_population(stream("S", 200, Vec::new()));
    net.record_spikes("S");
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut sim = Simulation::new(&net, backend.clone()).unwrap();
        let events: Vec<(f64, u32)> = (1..=600u32)
            .flat_map(|k| (0..200).map(move |n| (f64::from(k) * DT, n)))
            .collect();
        sim.push_events("S", 0, &events).unwrap();
        sim.run(600).unwrap();
        let spikes = raster(&sim, "S", 0);
        let expected: Vec<(u64, u32)> = (0..600u64)
            .flat_map(|s| (0..200).map(move |n| (s, n)))
            .collect();
        assert!(
            spikes == expected,
            "{backend:?}: {} of {} spikes",
            spikes.len(),
            expected.len()
        );
        assert_eq!(sim.pending_events(), 0);
    }
}

#[test]
fn bad_events_are_refused_and_nothing_is_queued() {
    let mut sim = Simulation::new(&network(1), Backend::Cpu).unwrap();
    sim.run_ms(10.0).unwrap();
    let queued = sim.pending_events();
    let past = sim
        .push_events("S", 0, &[(20.0, 1), (5.0, 2)])
        .unwrap_err()
        .to_string();
    assert!(past.contains("5 ms") && past.contains("10 ms"), "{past}");
    let range = sim
        .push_events("S", 0, &[(20.0, 30)])
        .unwrap_err()
        .to_string();
    assert!(
        range.contains("neuron 30") && range.contains("size 30"),
        "{range}"
    );
    let kind = sim
        .push_events("L", 0, &[(20.0, 1)])
        .unwrap_err()
        .to_string();
    assert!(
        kind.contains("iaf_psc_exp") && kind.contains("spike_source_stream"),
        "{kind}"
    );
    let nan = sim
        .push_events("S", 0, &[(f64::NAN, 1)])
        .unwrap_err()
        .to_string();
    assert!(nan.contains("NaN"), "{nan}");
    assert!(
        sim.push_events("S", 1, &[(20.0, 1)]).is_err(),
        "no instance 1"
    );
    let far = sim
        .push_events("S", 0, &[(1e30, 1)])
        .unwrap_err()
        .to_string();
    assert!(far.contains("beyond"), "{far}");
    assert_eq!(
        sim.pending_events(),
        queued,
        "refused events are not queued"
    );
    let mut net = network(1);
    net.populations[0].neuron = NeuronModel::SpikeSourceStream(SpikeSourceStream {
        events: vec![(1.0, 31)],
    });
    let e = neurodyn::Plan::new(&net).unwrap_err().to_string();
    assert!(
        e.contains("populations[S].events") && e.contains("neuron 31"),
        "{e}"
    );
}

#[test]
fn a_model_file_reads_its_events_from_npy() {
    let dir = std::env::temp_dir().join(format!("neurodyn-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let events: Vec<f64> = vec![1.0, 0.0, 2.5, 3.0, 2.5, 1.0, 7.25, 3.0];
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[4, 2])
        .writer(std::fs::File::create(dir.join("events.npy")).unwrap())
        .begin_nd()
        .unwrap();
    writer.extend(events.iter().copied()).unwrap();
    writer.finish().unwrap();
    std::fs::write(
        dir.join("model.toml"),
        r#"
        [simulation]
        dt_ms = 0.25
        duration_ms = 10.0
        [[populations]]
        name = "S"
        size = 4
        model = "spike_source_stream"
        params = { events_npy = "events.npy", events = [[5.0, 2]] }
        [[recorders]]
        record = "spikes"
        population = "S"
        "#,
    )
    .unwrap();
    let model = neurodyn::model::file::load(&dir.join("model.toml")).unwrap();
    let mut sim = Simulation::new(&model.network, Backend::Gpu).unwrap();
    sim.run_ms(model.duration_ms).unwrap();
    // A spike at t is in the step that ends at t: step t / dt − 1.
    assert_eq!(
        raster(&sim, "S", 0),
        vec![(3, 0), (9, 1), (9, 3), (19, 2), (28, 3)]
    );
    // A time that is not finite is named at its row (it became JSON's null, blamed
    // on the population's `model`).
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[2, 2])
        .writer(std::fs::File::create(dir.join("events.npy")).unwrap())
        .begin_nd()
        .unwrap();
    writer.extend([1.0, 0.0, f64::NAN, 1.0]).unwrap();
    writer.finish().unwrap();
    let e = neurodyn::model::file::load(&dir.join("model.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`populations[0].params.events_npy`: `")
            && e.contains("events.npy` row 1: time NaN is not a finite time"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `instances` of population `C`: three LIF neurons driven by a current stream, their
/// spikes recorded.
fn current_stream_network(instances: u32) -> Network {
    let mut net = Network::new(DT, 2);
    net.add_population(Population::new(
        "C",
        3,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    net.add_stimulus(neurodyn::Stimulus::CurrentStream { target: "C".into() });
    net.record_spikes("C");
    net.instances = instances;
    net
}

/// Three LIF neurons whose input currents the host streams: each neuron's current
/// steps through its own schedule over 1,500 steps (three batches), pushed window by
/// window. Returns the spikes as (step, neuron).
fn streamed_currents(backend: Backend) -> Vec<(u64, u32)> {
    let mut sim = Simulation::new(&current_stream_network(1), backend).unwrap();
    for window in 0..15u32 {
        let values: Vec<f32> = (0..100u32)
            .flat_map(|k| (0..3u32).map(move |n| schedule(window * 100 + k, n)))
            .collect();
        // In two halves for the same steps, which add up (exactly: halving is).
        let half: Vec<f32> = values.iter().map(|v| v * 0.5).collect();
        sim.push_current("C", 0, f64::from(window) * 10.0, &half)
            .unwrap();
        sim.push_current("C", 0, f64::from(window) * 10.0, &half)
            .unwrap();
        sim.run_ms(10.0).unwrap();
    }
    raster(&sim, "C", 0)
}

/// Neuron n's current in step s (nA).
fn schedule(s: u32, n: u32) -> f32 {
    [0.0, 1.0, 2.0][((s / 250 + n) % 3) as usize] + 0.1 * n as f32
}

#[test]
fn streamed_currents_drive_each_neuron_as_its_own_step_current() {
    // The same schedules as one step-current stimulus per neuron, each neuron its own
    // population.
    let mut net = Network::new(DT, 2);
    for n in 0..3u32 {
        let name = format!("C{n}");
        net.add_population(Population::new(
            &name,
            1,
            NeuronModel::IafPscExp(IafPscExp::default()),
        ));
        let times: Vec<f64> = (0..6).map(|k| f64::from(k) * 25.0).collect();
        let amplitudes: Vec<f64> = (0..6u32).map(|k| f64::from(schedule(k * 250, n))).collect();
        net.add_stimulus(neurodyn::Stimulus::StepCurrent {
            target: name.clone(),
            times_ms: times,
            amplitudes_na: amplitudes,
        });
        net.record_spikes(&name);
    }
    let mut reference = Simulation::new(&net, Backend::Cpu).unwrap();
    reference.run(1500).unwrap();
    let mut expected: Vec<(u64, u32)> = (0..3u32)
        .flat_map(|n| {
            raster(&reference, &format!("C{n}"), 0)
                .into_iter()
                .map(move |(s, _)| (s, n))
        })
        .collect();
    expected.sort_unstable();
    assert!(
        expected.len() > 10,
        "the currents make spikes: {}",
        expected.len()
    );
    let gpu = streamed_currents(Backend::Gpu);
    assert!(
        gpu == expected,
        "GPU: {} spikes, expected {}",
        gpu.len(),
        expected.len()
    );
    assert!(streamed_currents(Backend::Cpu) == expected, "CPU differs");
}

#[test]
fn bad_currents_are_refused() {
    let mut net = network(1);
    net.add_stimulus(neurodyn::Stimulus::CurrentStream { target: "L".into() });
    let mut sim = Simulation::new(&net, Backend::Cpu).unwrap();
    sim.run_ms(5.0).unwrap();
    let e = sim
        .push_current("L", 0, 10.0, &[0.5; 39])
        .unwrap_err()
        .to_string();
    assert!(e.contains("39 values") && e.contains("40 neurons"), "{e}");
    let e = sim
        .push_current("L", 0, 1.0, &[0.5; 40])
        .unwrap_err()
        .to_string();
    assert!(e.contains("1 ms") && e.contains("5 ms"), "{e}");
    let e = sim
        .push_current("S", 0, 10.0, &[0.5; 30])
        .unwrap_err()
        .to_string();
    assert!(e.contains("current_stream"), "{e}");
    let e = sim
        .push_current("L", 0, 10.0, &[f32::INFINITY; 40])
        .unwrap_err()
        .to_string();
    assert!(e.contains("inf"), "{e}");
    let e = sim
        .push_current("L", 0, 1e30, &[0.5; 80])
        .unwrap_err()
        .to_string();
    assert!(e.contains("beyond"), "{e}");
    let mut source = network(1);
    source.add_stimulus(neurodyn::Stimulus::CurrentStream { target: "S".into() });
    let e = neurodyn::Plan::new(&source).unwrap_err().to_string();
    assert!(e.contains("spike source"), "{e}");
    net.add_stimulus(neurodyn::Stimulus::CurrentStream { target: "L".into() });
    let e = neurodyn::Plan::new(&net).unwrap_err().to_string();
    assert!(e.contains("already has a current stream"), "{e}");
}

/// Queued currents are part of a checkpoint, and a push to instance 1 of an ensemble
/// drives instance 1 only: a whole run of 1,000 steps equals 400 steps, a checkpoint,
/// a restore in a new simulation and 600 steps, for both instances; instance 1 equals
/// a network of one instance given instance 1's currents (nothing here is random).
#[test]
fn queued_currents_cross_a_checkpoint_and_reach_their_instance() {
    // Instance b's currents for all 1,000 steps, pushed before the run.
    let currents = |b: u32| -> Vec<f32> {
        (0..1000u32)
            .flat_map(|k| (0..3u32).map(move |n| schedule(k * 3 + b * 500, n)))
            .collect()
    };
    let push = |sim: &mut Simulation, instances: u32, first: u32| {
        for b in 0..instances {
            sim.push_current("C", b, 0.0, &currents(first + b)).unwrap();
        }
    };
    let net = current_stream_network(2);
    let mut whole = Simulation::new(&net, Backend::Gpu).unwrap();
    push(&mut whole, 2, 0);
    whole.run(1000).unwrap();

    let dir = std::env::temp_dir().join(format!("neurodyn-currents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("half.ndck");
    let mut first = Simulation::new(&net, Backend::Gpu).unwrap();
    push(&mut first, 2, 0);
    first.run(400).unwrap();
    first.checkpoint(&path).unwrap();
    let mut resumed = Simulation::restore(&net, Backend::Gpu, &path).unwrap();
    resumed.run(600).unwrap();
    for b in 0..2 {
        let mut split = raster(&first, "C", b);
        split.extend(raster(&resumed, "C", b));
        assert!(split.len() > 10, "instance {b} spikes: {split:?}");
        assert_eq!(split, raster(&whole, "C", b), "instance {b}");
    }
    assert_ne!(raster(&whole, "C", 0), raster(&whole, "C", 1));

    let mut alone = Simulation::new(&current_stream_network(1), Backend::Gpu).unwrap();
    push(&mut alone, 1, 1);
    alone.run(1000).unwrap();
    assert_eq!(raster(&alone, "C", 0), raster(&whole, "C", 1));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Events and currents that each shorten a batch, in one run: 12,000 current-driven
/// neurons make a current table of fewer steps than a batch (the first batch is cut
/// by its currents), and 200 channels spiking in every step from step 301 on overfill
/// an event table (a later batch is cut by its events). Pushed all at once, the run
/// equals the same input pushed 50 steps at a time (no batch cut), on both backends:
/// the stream's raster and the current-driven neurons' final state bit for bit.
#[test]
fn events_and_currents_cutting_batches_in_one_run_lose_nothing() {
    const STEPS: u32 = 900;
    const DRIVEN: u32 = 12_000;
    let mut net = Network::new(DT, 5);
    net.add_population(stream("S", 200, Vec::new()));
    net.add_population(Population::new(
        "C",
        DRIVEN,
        NeuronModel::IafPscExp(IafPscExp::default()),
    ));
    net.add_stimulus(neurodyn::Stimulus::CurrentStream { target: "C".into() });
    net.add_projection(Projection::new(
        "S",
        "C",
        neurodyn::Connectivity::FixedProbability {
            p: 0.01,
            allow_autapses: true,
        },
        0.5,
        0.5,
        Receptor::Excitatory,
    ));
    net.record_spikes("S");
    // An event at k·dt is a spike in step k − 1. Times up to 300·dt: channels 0..20;
    // later: all 200.
    let events: Vec<(f64, u32)> = (1..=STEPS)
        .flat_map(|k| (0..if k <= 300 { 20 } else { 200 }).map(move |n| (f64::from(k) * DT, n)))
        .collect();
    let current =
        |s: u32, n: u32| 0.2 + 0.001 * (n % 500) as f32 + 0.15 * ((n * 7 + s / 100) % 5) as f32;
    let currents = |first: u32, len: u32| -> Vec<f32> {
        (first..first + len)
            .flat_map(|s| (0..DRIVEN).map(move |n| current(s, n)))
            .collect()
    };
    let run = |backend: Backend, window: Option<u32>| {
        let mut sim = Simulation::new(&net, backend).unwrap();
        match window {
            None => {
                sim.push_events("S", 0, &events).unwrap();
                sim.push_current("C", 0, 0.0, &currents(0, STEPS)).unwrap();
                sim.run(u64::from(STEPS)).unwrap();
            }
            Some(w) => {
                for first in (0..STEPS).step_by(w as usize) {
                    let now = f64::from(first) * DT;
                    let next = f64::from(first + w) * DT;
                    let ahead: Vec<(f64, u32)> = events
                        .iter()
                        .filter(|(t, _)| *t > now + DT / 2.0 && *t < next + DT / 2.0)
                        .copied()
                        .collect();
                    sim.push_events("S", 0, &ahead).unwrap();
                    sim.push_current("C", 0, now, &currents(first, w)).unwrap();
                    sim.run(u64::from(w)).unwrap();
                }
            }
        }
        assert_eq!(sim.pending_events(), 0);
        let state: Vec<u32> = sim
            .read_state("C", "v")
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        (
            raster(&sim, "S", 0),
            state,
            sim.plan().current_table_steps(),
            sim.plan().batch_steps,
        )
    };
    let (stream_raster, state, table_steps, batch_steps) = run(Backend::Cpu, Some(50));
    // The premises: the current table is shorter than a batch, and a batch's events
    // from step 301 on overfill one event table.
    assert!(table_steps < batch_steps, "{table_steps} ≥ {batch_steps}");
    let per_table = neurodyn::plan::stream_capacity(200) / 200;
    assert!(per_table < u64::from(STEPS - 300).min(u64::from(table_steps)));
    assert_eq!(stream_raster.len(), events.len());
    assert!(
        state.iter().collect::<std::collections::HashSet<_>>().len() > 1000,
        "the currents and spikes leave the driven neurons in many states: {}",
        state.iter().collect::<std::collections::HashSet<_>>().len()
    );
    for backend in [Backend::Cpu, Backend::Gpu] {
        let (whole_raster, whole_state, _, _) = run(backend.clone(), None);
        assert!(whole_raster == stream_raster, "{backend:?}: stream raster");
        assert!(whole_state == state, "{backend:?}: driven neurons' state");
    }
}

/// Events queued in the model beyond the clock's steps are refused, as `push_events`
/// refuses them (they were accepted and never delivered); half a step is the earliest.
#[test]
fn model_events_beyond_the_clock_are_refused() {
    let net = |events: Vec<(f64, u32)>| {
        let mut net = Network::new(DT, 1);
        net.add_population(Population::new(
            "S",
            2,
            NeuronModel::SpikeSourceStream(SpikeSourceStream { events }),
        ));
        net
    };
    assert!(neurodyn::Plan::new(&net(vec![(DT * 0.5, 0), (5.0, 1)])).is_ok());
    for events in [vec![(1e12, 0)], vec![(DT * 0.4, 1)]] {
        let Err(e) = neurodyn::Plan::new(&net(events)) else {
            panic!("accepted")
        };
        assert!(
            e.to_string().contains("events`: event (")
                && e.to_string().contains("steps), neurons below the size 2"),
            "{e}"
        );
    }
}
