//! Faults are reported, not hidden: saturated fixed-point input, and no adapter.

use neurodyn::{
    Backend, Error, IafPscExp, Network, NeuronModel, Plan, Population, Projection, Receptor,
    Simulation, Stimulus, Value,
};

fn lif() -> NeuronModel {
    NeuronModel::IafPscExp(IafPscExp::default())
}

/// Three neurons that spike in step 0, each onto one target with delay 3 steps.
fn converging() -> Network {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("pre", 3, lif()).with_initial_v(Value::constant(-40.0)));
    net.add_population(Population::new("post", 2, lif()));
    net.add_projection(Projection::from_list(
        "pre",
        "post",
        &[(0, 1, 0.1, 0.3), (1, 1, 0.1, 0.3), (2, 1, 0.1, 0.3)],
        Receptor::Excitatory,
    ));
    net.record_spikes("pre");
    net
}

fn backends() -> [Backend; 2] {
    [Backend::Gpu, Backend::Cpu]
}

#[test]
fn the_planned_fixed_point_unit_cannot_overflow() {
    let plan = Plan::new(&converging()).unwrap();
    let total: i64 = plan.synapses.weight.iter().map(|&w| i64::from(w)).sum();
    assert!(total < 1 << 30, "worst case {total} exceeds the headroom");
    assert!(
        total > 1 << 29,
        "the unit wastes precision: worst case {total}"
    );
    for backend in backends() {
        let mut sim = Simulation::from_plan(plan.clone(), backend).unwrap();
        sim.run(10).expect("no saturation");
    }
}

#[test]
fn saturated_synaptic_input_stops_the_run_with_its_location() {
    let mut plan = Plan::new(&converging()).unwrap();
    // A unit too fine for the weights: three arrivals exceed i32.
    for w in &mut plan.synapses.weight {
        *w = 1_000_000_000;
    }
    for backend in backends() {
        let mut sim = Simulation::from_plan(plan.clone(), backend.clone()).unwrap();
        match sim.run(10) {
            Err(Error::Saturation {
                population,
                neuron,
                receptor,
                step,
                ..
            }) => {
                assert_eq!(
                    (population.as_str(), neuron, receptor.as_str(), step),
                    ("post", 1, "excitatory", 3)
                );
                // The steps before the saturated input arrives stay recorded.
                assert_eq!(sim.recorded_until(), 3, "{backend:?}");
                let pre = sim.spikes("pre").unwrap();
                assert_eq!((pre.len(), pre.duration_steps), (3, 3), "{backend:?}");
            }
            other => panic!("{backend:?}: expected saturation, got {other:?}"),
        }
        let again = sim
            .run(1)
            .expect_err("a stopped simulation refuses to go on");
        assert!(matches!(again, Error::Stopped(_)), "{again}");
    }
}

#[test]
fn saturated_poisson_input_is_reported() {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("target", 4, lif()));
    net.add_stimulus(Stimulus::Poisson {
        target: "target".into(),
        rate_hz: 50_000.0,
        weight: 0.01,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    let mut plan = Plan::new(&net).unwrap();
    plan.stimuli[0].weight_fixed = i32::MAX / 2;
    for backend in backends() {
        let mut sim = Simulation::from_plan(plan.clone(), backend.clone()).unwrap();
        let error = sim.run(20).expect_err("saturates");
        let message = error.to_string();
        assert!(
            matches!(error, Error::Saturation { step: 0, .. }),
            "{backend:?}: {message}"
        );
        assert!(message.contains("population `target`"), "{message}");
    }
}

#[test]
fn an_unknown_adapter_name_lists_the_adapters() {
    let mut net = Network::new(0.1, 1);
    net.add_population(Population::new("p", 1, lif()));
    match Simulation::new(&net, Backend::GpuNamed("no such adapter 42".into())) {
        Err(Error::AdapterNotFound { wanted, available }) => {
            assert_eq!(wanted, "no such adapter 42");
            assert!(!available.is_empty());
        }
        Err(other) => panic!("expected AdapterNotFound, got {other}"),
        Ok(_) => panic!("found an adapter that does not exist"),
    }
}

/// Without any Vulkan driver the error says what to install. Runs itself in a child
/// process whose Vulkan loader is pointed at a driver that does not exist.
#[test]
fn no_adapter_tells_the_user_what_to_install() {
    if std::env::var_os("NEURODYN_NO_ADAPTER_CHILD").is_some() {
        let mut net = Network::new(0.1, 1);
        net.add_population(Population::new("p", 1, lif()));
        let error = Simulation::new(&net, Backend::Gpu)
            .err()
            .expect("no adapter");
        println!("CHILD-ERROR: {error}");
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "no_adapter_tells_the_user_what_to_install",
            "--nocapture",
        ])
        .env("NEURODYN_NO_ADAPTER_CHILD", "1")
        .env("WGPU_BACKEND", "vulkan")
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("CHILD-ERROR: "))
        .unwrap_or_else(|| panic!("child printed no error:\n{stdout}"));
    assert!(line.contains("no GPU adapter found"), "{line}");
    assert!(line.contains("mesa-vulkan-drivers"), "{line}");
}

/// Work a driver may cut short: a procedural row whose clipped-normal weights take
/// many redraws each (16,000 synapses onto 10 neurons from one spike), Poisson input
/// of 3·10^9 Hz (more draws in one step than lavapipe lets an invocation loop), and a
/// row built on the device whose 64 parts hold 13,500 synapses each, and a neuron
/// joined by 66,000 gap junctions (a hub whose coupling is one loop).
fn long_loops() -> [Network; 4] {
    let passive = NeuronModel::IafPscExp(IafPscExp {
        v_thresh: 1e5,
        ..IafPscExp::default()
    });
    let mut row = Network::new(0.1, 3);
    row.add_population(Population::new(
        "S",
        1,
        NeuronModel::SpikeSourceArray(neurodyn::SpikeSourceArray {
            spike_times_ms: vec![vec![0.5]],
        }),
    ));
    row.add_population(Population::new("T", 10, passive.clone()));
    row.add_projection(
        Projection::new(
            "S",
            "T",
            neurodyn::Connectivity::FixedTotalNumber {
                n: 16_000,
                allow_autapses: true,
                allow_multapses: true,
            },
            Value::Normal {
                mean: 0.0,
                sd: 1.0,
                low: 2.3,
                high: 10.0,
            },
            0.5,
            Receptor::Excitatory,
        )
        .procedural(),
    );
    let mut poisson = Network::new(0.1, 3);
    poisson.add_population(Population::new("T", 8, passive.clone()));
    poisson.add_stimulus(Stimulus::Poisson {
        target: "T".into(),
        rate_hz: 3e9,
        weight: 1e-5,
        receptor: Receptor::Excitatory,
        start_ms: 0.0,
        stop_ms: None,
    });
    let mut built = row.clone();
    built.projections[0] = Projection::new(
        "S",
        "T",
        neurodyn::Connectivity::FixedTotalNumber {
            n: 64 * 13_500,
            allow_autapses: true,
            allow_multapses: true,
        },
        0.001,
        0.5,
        Receptor::Excitatory,
    )
    .built_on_device();
    let mut hub = Network::new(0.1, 3);
    hub.add_population(
        Population::new("T", 66_001, passive).with_initial_v(Value::uniform(-70.0, -60.0)),
    );
    let spokes: Vec<(u32, u32)> = (1..66_001).map(|j| (0, j)).collect();
    hub.add_gap_junctions("T", "T", &spokes, Value::constant(1e-6));
    [row, poisson, built, hub]
}

#[test]
fn loops_a_driver_cuts_short_stop_the_run_not_its_synapses() {
    // Mesa 22.3's lavapipe (Debian bookworm's, what CI runs) stops an invocation's
    // loops after 65,535 iterations in all, silently: the row lost two thirds of its
    // synapses, the Poisson input most of its events. Now the stage reports the cut
    // and the run stops. Mesa 25's lavapipe, like a GPU, runs them whole: then the
    // results equal the CPU reference.
    let device = Simulation::new(&converging(), Backend::Gpu)
        .unwrap()
        .device();
    // lavapipe before Mesa 25 limits loops (`gpu::device::cuts_long_loops`).
    let limited = ["Mesa 22.", "Mesa 23.", "Mesa 24."]
        .iter()
        .any(|m| device.contains(m));
    let stages = [
        "procedural propagation",
        "neuron update",
        "device build's filling",
        "gap coupling",
    ];
    for (k, net) in long_loops().iter().enumerate() {
        let mut cpu = Simulation::new(net, Backend::Cpu).unwrap();
        cpu.run(30).unwrap();
        let gpu = Simulation::new(net, Backend::Gpu).and_then(|mut gpu| {
            gpu.run(30)?;
            Ok(gpu)
        });
        match gpu {
            Err(Error::LoopLimit { stage, .. }) => assert_eq!(stage, stages[k], "network {k}"),
            Ok(mut gpu) if !limited => assert_eq!(
                gpu.read_state("T", "v").unwrap(),
                cpu.read_state("T", "v").unwrap(),
                "network {k}"
            ),
            other => panic!("network {k} on {device}: {:?}", other.err()),
        }
    }
}

/// A custom rule's each_step that loops past the driver's limit reports the cut (its
/// weights ended at 65,534 with the run's exit 0); a driver without the limit runs it
/// whole.
#[test]
fn a_custom_rule_looping_past_the_drivers_limit_stops_the_run() {
    let text = "[simulation]\ndt_ms = 0.1\nduration_ms = 2.0\n\
        [[populations]]\nname = \"A\"\nsize = 2\nmodel = \"iaf_psc_exp\"\n\
        [[projections]]\npre = \"A\"\npost = \"A\"\nconnectivity = { rule = \"all_to_all\" }\n\
        weight = 0.5\ndelay_ms = 1.0\nreceptor = \"excitatory\"\n\
        [projections.plasticity]\nmodel = \"custom\"\nname = \"count\"\nw_max = 100000.0\n\
        each_step = \"if (step == 10u) { var n = 0.0; loop { n = n + 1.0; \
        if (n > 99999.0) { break; } } w = n; }\"\n";
    let model = neurodyn::model::file::load_text(std::path::Path::new("t.toml"), text).unwrap();
    let mut sim = Simulation::new(&model.network, Backend::Gpu).unwrap();
    // lavapipe before Mesa 25 limits loops (`gpu::device::cuts_long_loops`).
    let limited = ["Mesa 22.", "Mesa 23.", "Mesa 24."]
        .iter()
        .any(|m| sim.device().contains(m));
    match sim.run(20) {
        Err(Error::LoopLimit { stage, .. }) => {
            assert!(limited);
            assert_eq!(stage, "per-step plasticity");
        }
        Ok(()) => {
            assert!(!limited, "the cut went unreported");
            assert!(sim.weights(0).unwrap().iter().all(|&w| w == 100_000.0));
        }
        Err(other) => panic!("{other}"),
    }
}

/// A custom rule that makes a weight NaN stops the run naming the rule (the weight
/// became whatever the driver's clamp made of NaN, and the run went on).
#[test]
fn a_custom_rule_that_makes_a_weight_nan_stops_the_run() {
    let text = "[simulation]\ndt_ms = 0.1\nduration_ms = 2.0\n\
        [[populations]]\nname = \"A\"\nsize = 2\nmodel = \"iaf_psc_exp\"\n\
        params = { i_offset = 5.0 }\n\
        [[projections]]\npre = \"A\"\npost = \"A\"\nconnectivity = { rule = \"all_to_all\" }\n\
        weight = 0.5\ndelay_ms = 1.0\nreceptor = \"excitatory\"\n\
        [projections.plasticity]\nmodel = \"custom\"\nname = \"root\"\nw_max = 10.0\n\
        on_pre = \"w = sqrt(w - 1000.0);\"\n";
    let model = neurodyn::model::file::load_text(std::path::Path::new("t.toml"), text).unwrap();
    let mut sim = Simulation::new(&model.network, Backend::Gpu).unwrap();
    match sim.run(200) {
        Err(Error::RuleNonFinite { rule, count, .. }) => {
            assert_eq!(rule, "root");
            assert!(count > 0);
        }
        other => panic!("{other:?}"),
    }
}
