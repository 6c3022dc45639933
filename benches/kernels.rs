//! Throughput of networks built to isolate one stage, on the GPU backend (lavapipe
//! where there is no GPU). Each iteration is a whole `Simulation::run` — submission,
//! every kernel of the step and the readback — so at small sizes the fixed cost per
//! batch dominates; the per-kernel device time is `neurodyn profile`'s:
//!
//! - `neuron_update/<model>/<n>`: one population of n neurons, no synapses, a DC
//!   drive; throughput in neuron updates per second, n from 10^4 to 10^7
//!   (`NEURODYN_BENCH_MAX_NEURONS` lowers the top; sizes whose state exceeds the
//!   device's binding limit are skipped with a note);
//! - `propagation/<stored|procedural>/fan_out_<k>/<r>_hz`: 1,000 Poisson-driven parrot
//!   neurons firing at r Hz onto 10,000 `iaf_psc_delta` neurons with fan-out k
//!   (fixed probability k / 10,000), stored or regenerated at each spike;
//!   throughput in synaptic events per second (the expected count).
//!
//! `cargo bench --bench kernels` (criterion's report: target/criterion). Per-kernel
//! device time with bytes and bandwidth: `neurodyn profile`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use neurodyn::{
    AeifCondExp, Backend, Connectivity, Error, HhCondExpTraub, IafCondExp, IafPscDelta, IafPscExp,
    Izhikevich, Network, NeuronModel, ParrotNeuron, Population, Projection, Receptor, Simulation,
    Stimulus,
};

const DT_MS: f64 = 0.1;

fn max_neurons() -> u32 {
    std::env::var("NEURODYN_BENCH_MAX_NEURONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000)
}

fn neuron_update(c: &mut Criterion) {
    const STEPS: u64 = 10;
    let models: [(&str, NeuronModel, f64); 5] = [
        (
            "iaf_psc_exp",
            NeuronModel::IafPscExp(IafPscExp::default()),
            0.5,
        ),
        (
            "iaf_cond_exp",
            NeuronModel::IafCondExp(IafCondExp::default()),
            0.5,
        ),
        (
            "izhikevich",
            NeuronModel::Izhikevich(Izhikevich::default()),
            10.0,
        ),
        (
            "aeif_cond_exp",
            NeuronModel::AeifCondExp(AeifCondExp::default()),
            0.8,
        ),
        (
            "hh_cond_exp_traub",
            NeuronModel::HhCondExpTraub(HhCondExpTraub::default()),
            0.5,
        ),
    ];
    let mut group = c.benchmark_group("neuron_update");
    group.sample_size(10);
    for (name, model, dc) in models {
        for n in [10_000u32, 100_000, 1_000_000, 10_000_000] {
            if n > max_neurons() {
                continue;
            }
            let mut net = Network::new(DT_MS, 1);
            net.add_population(Population::new("p", n, model.clone()));
            net.add_stimulus(Stimulus::Dc {
                target: "p".into(),
                amplitude_na: dc,
                start_ms: 0.0,
                stop_ms: None,
            });
            // A state buffer over the device's binding limit (lavapipe: 128 MiB, 8.4
            // million neurons of up to three variables) is refused by name: skipped.
            let mut sim = match Simulation::new(&net, Backend::Gpu) {
                Err(e @ Error::TooLarge { .. }) => {
                    eprintln!("neuron_update/{name}/{n} skipped: {e}");
                    continue;
                }
                result => result.expect("network"),
            };
            group.throughput(Throughput::Elements(u64::from(n) * STEPS));
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| sim.run(STEPS).expect("run"))
            });
        }
    }
    group.finish();
}

fn propagation(c: &mut Criterion) {
    const STEPS: u64 = 100;
    const PRE: u32 = 1_000;
    const POST: u32 = 10_000;
    let mut group = c.benchmark_group("propagation");
    group.sample_size(10);
    for procedural in [false, true] {
        for fan_out in [100u32, 1_000, 10_000] {
            for rate_hz in [1.0, 10.0, 100.0] {
                let mut net = Network::new(DT_MS, 1);
                net.add_population(Population::new(
                    "pre",
                    PRE,
                    NeuronModel::ParrotNeuron(ParrotNeuron {}),
                ));
                net.add_population(Population::new(
                    "post",
                    POST,
                    NeuronModel::IafPscDelta(IafPscDelta::default()),
                ));
                // A parrot repeats each input event: Poisson events at the rate wanted.
                net.add_stimulus(Stimulus::Poisson {
                    target: "pre".into(),
                    rate_hz,
                    weight: 1.0,
                    receptor: Receptor::Excitatory,
                    start_ms: 0.0,
                    stop_ms: None,
                });
                let projection = Projection::new(
                    "pre",
                    "post",
                    Connectivity::FixedProbability {
                        p: f64::from(fan_out) / f64::from(POST),
                        allow_autapses: true,
                    },
                    0.001,
                    1.0,
                    Receptor::Excitatory,
                );
                net.add_projection(if procedural {
                    projection.procedural()
                } else {
                    projection
                });
                let mut sim = Simulation::new(&net, Backend::Gpu).expect("network");
                let events =
                    f64::from(PRE) * rate_hz * DT_MS / 1000.0 * STEPS as f64 * f64::from(fan_out);
                group.throughput(Throughput::Elements(events.round().max(1.0) as u64));
                let kind = if procedural { "procedural" } else { "stored" };
                group.bench_function(
                    BenchmarkId::new(format!("{kind}/fan_out_{fan_out}"), format!("{rate_hz}_hz")),
                    |b| b.iter(|| sim.run(STEPS).expect("run")),
                );
            }
        }
    }
    group.finish();
}

criterion_group!(benches, neuron_update, propagation);
criterion_main!(benches);
