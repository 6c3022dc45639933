//! Checkpoints: run(T) equals run(T/2) + checkpoint + restore into a new simulation +
//! run(T/2), spike for spike and bit for bit, on the GPU and across backends; a
//! checkpoint of another model, or a corrupted or truncated one, is refused.

use std::path::{Path, PathBuf};

use neurodyn::model::{brunel, file};
use neurodyn::{Backend, Error, Network, Simulation, SpikeRecord};

/// Brunel's network at 2,500 neurons: Poisson drive, 1.5 ms delays in the ring.
fn network() -> Network {
    let mut network = file::load(Path::new("models/brunel.toml")).unwrap().network;
    let (g, eta) = brunel::regime("C").unwrap();
    brunel::configure(&mut network, 500, g, eta);
    network
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neurodyn-checkpoint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The spikes of `record` from `step` on, as (step, neuron) pairs.
fn from_step(record: &SpikeRecord, step: u64) -> Vec<(u64, u32)> {
    record
        .steps
        .iter()
        .zip(&record.neurons)
        .filter(|(&s, _)| s >= step)
        .map(|(&s, &n)| (s, n))
        .collect()
}

fn state_bits(sim: &mut Simulation) -> Vec<u32> {
    sim.read_state("E", "v")
        .unwrap()
        .iter()
        .map(|x| x.to_bits())
        .collect()
}

/// `network` run for 2000 steps on the GPU, and the same network run for 1000 steps,
/// checkpointed to `name` and restored on each backend (not yet run further).
fn whole_and_restored(network: &Network, name: &str) -> (Simulation, Vec<Simulation>) {
    let mut whole = Simulation::new(network, Backend::Gpu).unwrap();
    whole.run(2000).unwrap();
    let path = temp(name);
    let mut first = Simulation::new(network, Backend::Gpu).unwrap();
    first.run(1000).unwrap();
    first.checkpoint(&path).unwrap();
    drop(first);
    let restored = [Backend::Gpu, Backend::Cpu]
        .into_iter()
        .map(|backend| Simulation::restore(network, backend, &path).unwrap())
        .collect();
    (whole, restored)
}

#[test]
fn a_restored_run_continues_bit_identically() {
    let network = network();
    let (mut whole, restored) = whole_and_restored(&network, "half.ndck");
    for mut second in restored {
        assert_eq!(second.current_step(), 1000);
        second.run(1000).unwrap();
        for pop in ["E", "I"] {
            let expected = from_step(whole.spikes(pop).unwrap(), 1000);
            assert!(expected.len() > 1000, "{pop} fires too little");
            assert_eq!(
                from_step(second.spikes(pop).unwrap(), 0),
                expected,
                "{pop} differs after restoring"
            );
        }
        assert_eq!(state_bits(&mut second), state_bits(&mut whole));
        assert_eq!(
            second.read_input_ring().unwrap(),
            whole.read_input_ring().unwrap()
        );
    }
}

fn refusal(network: &Network, path: &Path) -> String {
    match Simulation::restore(network, Backend::Cpu, path) {
        Err(e @ Error::CheckpointRefused { .. }) => e.to_string(),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("restored"),
    }
}

#[test]
fn other_models_and_damaged_files_are_refused() {
    let network = network();
    let path = temp("refusals.ndck");
    let mut sim = Simulation::new(&network, Backend::Cpu).unwrap();
    sim.run(100).unwrap();
    sim.checkpoint(&path).unwrap();
    assert!(!path.with_extension("partial").exists());

    let mut other = network.clone();
    other.seed += 1;
    assert!(refusal(&other, &path).contains("another model"));

    let bytes = std::fs::read(&path).unwrap();
    let damaged = temp("damaged.ndck");
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x10;
    std::fs::write(&damaged, &flipped).unwrap();
    assert!(refusal(&network, &damaged).contains("checksum"));

    std::fs::write(&damaged, &bytes[..bytes.len() - 100]).unwrap();
    assert!(refusal(&network, &damaged).contains("checksum"));

    std::fs::write(
        &damaged,
        b"not a checkpoint at all, but long enough to be read",
    )
    .unwrap();
    assert!(refusal(&network, &damaged).contains("not a neurodyn checkpoint"));
    // Cut short of its fixed part it is truncated, not something else.
    std::fs::write(&damaged, &bytes[..40]).unwrap();
    assert!(refusal(&network, &damaged).contains("the file ends early (40 bytes)"));

    // Bytes after the state, the checksum recomputed: not a file neurodyn wrote.
    let mut longer = bytes[..bytes.len() - 8].to_vec();
    longer.extend([0u8; 12]);
    let checksum = neurodyn::checkpoint::fnv1a(&longer);
    longer.extend(checksum.to_le_bytes());
    std::fs::write(&damaged, &longer).unwrap();
    assert!(refusal(&network, &damaged).contains("12 bytes follow the state"));

    // A whole file (its checksum recomputed) whose header's step is not its device
    // clock's: restoring it would run the generators from the wrong step.
    let mut moved = bytes.clone();
    let body = moved.len() - 8;
    moved[20..28].copy_from_slice(&101u64.to_le_bytes());
    let checksum = neurodyn::checkpoint::fnv1a(&moved[..body]);
    moved[body..].copy_from_slice(&checksum.to_le_bytes());
    std::fs::write(&damaged, &moved).unwrap();
    let message = refusal(&network, &damaged);
    assert!(
        message.contains("device clock (step 100) disagrees with its header (step 101)"),
        "{message}"
    );

    // Not a regular file: refused without reading (/dev/zero never ends).
    assert!(refusal(&network, Path::new("/dev/zero")).contains("not a regular file"));
    // A directory where the temporary file goes is named as itself.
    let blocked = temp("blocked.ndck");
    std::fs::create_dir_all(blocked.with_extension("partial")).unwrap();
    let message = sim.checkpoint(&blocked).unwrap_err().to_string();
    assert!(message.contains("blocked.partial: "), "{message}");
    assert!(blocked.with_extension("partial").is_dir() && !blocked.exists());

    // The intact file still restores.
    assert_eq!(
        Simulation::restore(&network, Backend::Cpu, &path)
            .unwrap()
            .current_step(),
        100
    );
    // Recorders say what is read out, not what the state is: a run resumes with
    // others, and its state goes on as the straight run's.
    let mut recorded = network.clone();
    recorded.record_state("E", "v", vec![0, 1], 1);
    let mut resumed = Simulation::restore(&recorded, Backend::Cpu, &path).unwrap();
    resumed.run(10).unwrap();
    sim.run(10).unwrap();
    assert_eq!(state_bits(&mut resumed), state_bits(&mut sim));
    assert_eq!(resumed.state_record("E", "v").unwrap().steps.len(), 10);
}

#[test]
fn plastic_weights_and_traces_resume_bit_identically() {
    let network = file::load(Path::new("models/izhikevich2006.toml"))
        .unwrap()
        .network;
    let (mut whole, restored) = whole_and_restored(&network, "plastic.ndck");
    for mut second in restored {
        second.run(1000).unwrap();
        for pop in ["E", "I"] {
            assert_eq!(
                from_step(second.spikes(pop).unwrap(), 1000),
                from_step(whole.spikes(pop).unwrap(), 1000),
                "{pop}"
            );
        }
        for k in 0..2 {
            let bits = |w: Vec<f32>| w.into_iter().map(f32::to_bits).collect::<Vec<_>>();
            assert_eq!(
                bits(second.weights(k).unwrap()),
                bits(whole.weights(k).unwrap()),
                "projection {k}"
            );
        }
    }
}

#[test]
fn three_factor_synapses_and_a_pending_reward_resume_bit_identically() {
    // Checkpointed between two flushes of the three-factor synapses, right after the
    // host set the modulator (a reward the device has not yet taken in).
    let network = file::load(Path::new("models/izhikevich2007.toml"))
        .unwrap()
        .network;
    let mut whole = Simulation::new(&network, Backend::Gpu).unwrap();
    whole.run(700).unwrap();
    whole.add_modulator(0, 0, 0.5).unwrap();
    whole.run(1300).unwrap();
    let path = temp("three_factor.ndck");
    let mut first = Simulation::new(&network, Backend::Gpu).unwrap();
    first.run(700).unwrap();
    first.add_modulator(0, 0, 0.5).unwrap();
    first.checkpoint(&path).unwrap();
    drop(first);
    let bits = |w: Vec<f32>| w.into_iter().map(f32::to_bits).collect::<Vec<_>>();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let mut second = Simulation::restore(&network, backend, &path).unwrap();
        assert_eq!(second.modulator(0, 0).unwrap(), 0.5);
        second.run(1300).unwrap();
        assert_eq!(
            from_step(second.spikes("E").unwrap(), 700),
            from_step(whole.spikes("E").unwrap(), 700)
        );
        assert_eq!(
            second.modulator(0, 0).unwrap(),
            whole.modulator(0, 0).unwrap()
        );
        for k in 0..2 {
            assert_eq!(
                bits(second.weights(k).unwrap()),
                bits(whole.weights(k).unwrap()),
                "projection {k}"
            );
        }
    }
}

#[test]
fn an_interrupted_run_leaves_a_checkpoint_at_its_last_step() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use neurodyn::run::{run_model, RunOptions, CHECKPOINT_FILE};

    let mut model = file::load(Path::new("models/cuba.toml")).unwrap();
    model.duration_ms = 400.0;
    let dir = temp("interrupted");
    let _ = std::fs::remove_dir_all(&dir);
    // Ctrl-C after the first stretch, long before the first interval's checkpoint.
    let stop = Arc::new(AtomicBool::new(false));
    let mut options = RunOptions::new(dir.clone(), Backend::Cpu);
    options.plot = false;
    options.checkpoint_every_ms = Some(350.0);
    options.interrupt = Some(stop.clone());
    let stopped = run_model(&model, &options, &mut |_| {
        stop.store(true, Ordering::Relaxed)
    });
    let Err(Error::Interrupted { step }) = stopped else {
        panic!("not interrupted: {stopped:?}");
    };
    assert!(step > 0 && step < 3500, "{step}");
    let checkpoint = dir.join(CHECKPOINT_FILE);
    assert_eq!(neurodyn::checkpoint::step_of(&checkpoint).unwrap(), step);
    // It resumes where the run stopped, as the straight run goes on.
    let mut resumed = Simulation::restore(&model.network, Backend::Cpu, &checkpoint).unwrap();
    let mut straight = Simulation::new(&model.network, Backend::Cpu).unwrap();
    straight.run(step).unwrap();
    resumed.run(50).unwrap();
    straight.run(50).unwrap();
    assert_eq!(state_bits(&mut resumed), state_bits(&mut straight));
}
