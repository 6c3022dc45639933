//! The memory planner: the estimate made before drawing agrees with the plan, and a
//! network that does not fit the device is refused before anything is drawn or
//! allocated, with the bytes needed and available, the largest buffers and the fix;
//! one that does not fit the host's memory is refused before the plan draws it.

use std::path::Path;
use std::process::Command;

use neurodyn::model::{brunel, file};
use neurodyn::plan::host_memory;
use neurodyn::plan::memory::{estimate, largest_ensemble, EnsembleFootprint, MemoryReport};
use neurodyn::{Backend, Error, Plan, PlanError, Simulation};

fn brunel(order: u32) -> neurodyn::Network {
    let mut network = file::load(Path::new("models/brunel.toml")).unwrap().network;
    let (g, eta) = brunel::regime("C").unwrap();
    brunel::configure(&mut network, order, g, eta);
    network
}

#[test]
fn the_estimate_is_the_plan_where_synapse_counts_are_fixed() {
    // Fixed in-degree: the synapse count is known before drawing.
    let network = brunel(200);
    let plan = Plan::new(&network).unwrap();
    assert_eq!(estimate(&network).buffers, plan.buffers);
    // Fixed probability: the estimate uses the expected count.
    let cuba = file::load(Path::new("models/cuba.toml")).unwrap().network;
    let (estimated, exact) = (
        estimate(&cuba).total() as f64,
        Plan::new(&cuba).unwrap().memory_bytes() as f64,
    );
    assert!(
        (estimated / exact - 1.0).abs() < 0.01,
        "{estimated} vs {exact}"
    );
}

#[test]
fn an_ensembles_memory_is_shared_plus_per_instance() {
    // Brunel's network over B instances: the stored synapses are shared, the state,
    // ring and recordings grow with B.
    let network = brunel(200);
    let footprint = EnsembleFootprint::of(&network);
    let plan_bytes = |b: u32| {
        let mut n = network.clone();
        n.instances = b;
        Plan::new(&n).unwrap().memory_bytes()
    };
    assert_eq!(footprint.shared + footprint.per_instance, plan_bytes(1));
    assert_eq!(footprint.shared + 2 * footprint.per_instance, plan_bytes(2));
    // Two words per stored synapse: target and delay packed, and the weight.
    let synapses = Plan::new(&network).unwrap().synapses.len() as u64 * 8;
    assert!(footprint.shared >= synapses, "{footprint:?}");
    assert!(footprint.per_instance < footprint.shared, "{footprint:?}");
    // The largest ensemble that fits is the size whose plan fits and the next's not.
    let available = plan_bytes(40);
    let unbound = u64::MAX;
    assert_eq!(largest_ensemble(&network, available, unbound), 40);
    assert_eq!(largest_ensemble(&network, available - 1, unbound), 39);
    assert_eq!(largest_ensemble(&network, footprint.shared / 2, unbound), 0);
    // Within the memory, each buffer that must fit one binding must also fit it: with
    // a binding that 30 instances' largest fills, 30 fit (`validate` said 40, `run`
    // refused).
    let largest = |b: u32| {
        let mut n = network.clone();
        n.instances = b;
        let plan = Plan::new(&n).unwrap();
        let bound = |limit| neurodyn::plan::memory::over_binding(&plan.buffers, limit);
        // The smallest binding they all fit.
        (plan.buffers.iter().map(|b| b.bytes))
            .filter(|&bytes| bound(bytes).is_none())
            .min()
            .unwrap()
    };
    assert!(largest(30) < largest(31));
    assert_eq!(largest_ensemble(&network, available, largest(30)), 30);
    assert_eq!(largest_ensemble(&network, available, largest(30) - 1), 29);
}

#[test]
fn a_network_beyond_the_device_is_refused_before_any_synapse_is_drawn() {
    // 5 million neurons with 1250 synapses each: about 50 GB of stored synapses (8
    // bytes each), far beyond this machine. Drawing them would exhaust the host long
    // before an error; the planner refuses from the estimate.
    let network = brunel(1_000_000);
    let report: MemoryReport = estimate(&network);
    assert!(report.total() > 50_000_000_000);
    let error = Simulation::new(&network, Backend::Gpu)
        .err()
        .expect("refused");
    let Error::OutOfMemory(shortfall) = &error else {
        panic!("{error}");
    };
    let (needed, available, largest, advice) = (
        &shortfall.needed,
        &shortfall.available,
        &shortfall.largest,
        &shortfall.advice,
    );
    assert!(needed.contains("GiB"), "{needed}");
    assert!(!available.is_empty());
    assert!(largest.starts_with("syn_"), "{largest}");
    // Brunel's fixed in-degree cannot be regenerated: the advice names the rules that can.
    assert!(advice.contains("procedural"), "{advice}");
    let message = error.to_string();
    assert!(message.contains("needs") && message.contains("largest buffers"));
}

const DENSE: &str = r#"
name = "dense"
[simulation]
dt_ms = 0.1
duration_ms = 10.0
[[populations]]
name = "E"
size = 4000
model = "iaf_psc_exp"
[[populations]]
name = "I"
size = 1000
model = "iaf_psc_exp"
[[projections]]
pre = "E"
post = "E"
connectivity = { rule = "fixed_probability", p = 0.5 }
weight = 0.01
delay_ms = 1.0
receptor = "excitatory"
[[projections]]
pre = "I"
post = "E"
connectivity = { rule = "fixed_in_degree", k = 500 }
weight = -0.01
delay_ms = 1.0
receptor = "inhibitory"
"#;

#[test]
fn the_cli_names_the_projections_that_could_be_procedural() {
    let dir = std::env::temp_dir().join(format!("neurodyn-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("dense.toml");
    std::fs::write(&model, DENSE).unwrap();
    // 10 million stored synapses (about 115 MiB) on a device of 50 MB.
    let output = Command::new(env!("CARGO_BIN_EXE_neurodyn"))
        .arg("run")
        .arg(&model)
        .arg("--out")
        .arg(dir.join("out"))
        .env(neurodyn::gpu::DEVICE_MEMORY_VAR, "50000000")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "estimated before drawing",
        "has 47.684 MiB",
        "largest buffers are: syn_",
        "procedural = true",
        "these can be: E -> E",
    ] {
        assert!(stderr.contains(needle), "`{needle}` not in: {stderr}");
    }
    // Fixed in-degree cannot be regenerated, so it is not suggested.
    assert!(!stderr.contains("I -> E"), "{stderr}");
    assert!(!dir.join("out").join("summary.json").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_network_beyond_the_host_is_refused_before_any_synapse_is_drawn() {
    // The CPU reference has no device to check against, but the plan is built in host
    // memory: 6.25·10^9 stored synapses cannot even be indexed, and are refused from
    // their expected count, at once, instead of being drawn until the host runs out.
    let network = brunel(1_000_000);
    let error = Simulation::new(&network, Backend::Cpu)
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(
        message.contains("stored synapses (expected before drawing or building)")
            && message.contains("6250000000")
            && message.contains("the largest: projections[0] (E -> E): ")
            && message.contains("procedural = true"),
        "{message}"
    );
    // Built on the device they are stored too (they were let through, to be refused
    // only after the device had counted them).
    let mut built = brunel(1_000_000);
    for p in &mut built.projections {
        p.connectivity = neurodyn::Connectivity::FixedProbability {
            p: 0.00625,
            allow_autapses: true,
        };
        p.built_on_device = true;
    }
    let Err(refusal) = neurodyn::Plan::new(&built) else {
        panic!("built synapses beyond 2^32 accepted")
    };
    let message = refusal.to_string();
    assert!(
        message.contains("stored synapses (expected before drawing or building)"),
        "{message}"
    );

    // CUBA at 100 times its size: 3.2·10^9 expected synapses, indexable, but about
    // 100 GB to build. Against a host with 1 GiB available the plan is refused with the
    // bytes, the largest buffers and the fix.
    let mut cuba = file::load(Path::new("models/cuba.toml")).unwrap().network;
    for p in &mut cuba.populations {
        p.size *= 100;
    }
    let report = estimate(&cuba);
    let drawn = host_memory::drawn_synapses(&cuba);
    // 0.02 · (N² − N) over the four projections of N = 400,000 neurons.
    assert_eq!(drawn, 0.02 * (400_000f64 * 400_000.0 - 400_000.0));
    assert_eq!(
        host_memory::peak_bytes(&report, drawn),
        report.total() + (drawn * host_memory::DRAWN_SYNAPSE_BYTES as f64) as u64
    );
    let Err(PlanError::HostMemory(shortfall)) = host_memory::check(&cuba, &report, Some(1 << 30))
    else {
        panic!("not refused");
    };
    assert_eq!(shortfall.available, "1.000 GiB");
    assert!(shortfall.needed.contains("GiB"), "{}", shortfall.needed);
    assert!(
        shortfall.largest.starts_with("syn_"),
        "{}",
        shortfall.largest
    );
    assert!(shortfall.advice.contains("E -> E"), "{}", shortfall.advice);
    assert!(shortfall.to_string().contains("of host memory"));
    // The same network where the host has room, and CUBA itself here, pass.
    assert!(host_memory::check(&cuba, &report, Some(1 << 40)).is_ok());
    let small = file::load(Path::new("models/cuba.toml")).unwrap().network;
    assert!(host_memory::check(&small, &estimate(&small), host_memory::available()).is_ok());
}
