//! `Simulation::profile` and `neurodyn profile`: every kernel kind is timed, and the
//! kernels' GPU time accounts for the measured wall time.

use std::path::Path;
use std::time::Instant;

use neurodyn::{model::file, Backend, Simulation};

#[test]
fn every_kernel_kind_is_timed_and_the_times_add_up_to_the_wall_time() {
    let model = file::load(Path::new("models/cuba.toml")).unwrap();
    let mut sim = Simulation::new(&model.network, Backend::Gpu).unwrap();
    let start = Instant::now();
    let times = sim
        .profile(1000)
        .unwrap()
        .expect("lavapipe has timestamp queries");
    let wall_ns = start.elapsed().as_secs_f64() * 1e9;
    let calls: Vec<(&str, u64)> = times.iter().map(|t| (t.kernel.as_str(), t.calls)).collect();
    assert_eq!(
        calls,
        [
            ("neuron_update (iaf_psc_exp)", 1000),
            ("propagate_prepare", 1000),
            ("propagate", 1000),
            // cuba.toml samples v every 10 steps.
            ("probe", 100),
        ]
    );
    let gpu_ns: f64 = times.iter().map(|t| t.total_ns).sum();
    assert!(times.iter().all(|t| t.total_ns > 0.0), "{times:?}");
    assert!(
        gpu_ns <= wall_ns * 1.01,
        "GPU {gpu_ns} ns > wall {wall_ns} ns"
    );
    assert!(
        gpu_ns >= 0.9 * wall_ns,
        "the kernels account for {:.1}% of the wall time",
        100.0 * gpu_ns / wall_ns
    );
    // Profiling runs the simulation like `run`: the raster is the same.
    let mut plain = Simulation::new(&model.network, Backend::Gpu).unwrap();
    plain.run(1000).unwrap();
    assert_eq!(plain.spikes("E").unwrap(), sim.spikes("E").unwrap());
}

#[test]
fn the_cpu_reference_has_no_kernel_times() {
    let model = file::load(Path::new("models/cuba.toml")).unwrap();
    let mut sim = Simulation::new(&model.network, Backend::Cpu).unwrap();
    assert!(sim.profile(100).unwrap().is_none());
    assert_eq!(sim.current_step(), 100);
}

#[test]
fn the_profile_command_prints_its_table() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_neurodyn"))
        .args(["profile", "models/cuba.toml", "--steps", "300"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "neuron_update (iaf_psc_exp)",
        "propagate",
        "µs/step",
        "dispatches per step",
    ] {
        assert!(stdout.contains(needle), "`{needle}` not in: {stdout}");
    }
}
