//! Step throughput of the CUBA benchmark and of the neuron update alone, on the GPU
//! backend (lavapipe where there is no GPU) and on the CPU reference. Kernel-level
//! profiling with timestamp queries belongs to `neurodyn profile` (issue #5).
//!
//! `cargo bench --bench step`

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use neurodyn::{model::file, Backend, IafPscExp, Network, NeuronModel, Population, Simulation};

const STEPS: u64 = 100;

fn cuba(c: &mut Criterion) {
    let mut group = c.benchmark_group("cuba_100_steps");
    group.sample_size(10);
    for (name, backend) in [("gpu", Backend::Gpu), ("cpu_reference", Backend::Cpu)] {
        let cuba = file::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/cuba.toml"
        )))
        .expect("models/cuba.toml");
        let mut sim = Simulation::new(&cuba.network, backend).expect("CUBA");
        group.bench_function(name, |b| b.iter(|| sim.run(STEPS).expect("run")));
    }
    group.finish();
}

fn neuron_update(c: &mut Criterion) {
    let mut group = c.benchmark_group("neuron_update_100_steps");
    group.sample_size(10);
    for n in [10_000u32, 100_000] {
        let mut net = Network::new(0.1, 1);
        let lif = IafPscExp {
            i_offset: 0.5,
            ..Default::default()
        };
        net.add_population(Population::new("p", n, NeuronModel::IafPscExp(lif)));
        let mut sim = Simulation::new(&net, Backend::Gpu).expect("network");
        group.throughput(Throughput::Elements(u64::from(n) * STEPS));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| sim.run(STEPS).expect("run"))
        });
    }
    group.finish();
}

criterion_group!(benches, cuba, neuron_update);
criterion_main!(benches);
