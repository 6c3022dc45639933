//! One training batch at the scale of the Spiking Heidelberg Digits
//! (`neurodyn::train::shd`: 700 inputs → 256 recurrent LIF → 20 readouts, 1 ms steps
//! over 1 s, batches of 32), on Poisson input of 10 Hz per channel (about 7,000
//! spikes per sample): the forward pass alone (inference) and a whole EventProp step
//! (forward, loss, backward, Adam).
//!
//! `cargo bench --bench training` (`NEURODYN_BENCH_CPU=1` adds the CPU reference)

use criterion::{criterion_group, criterion_main, Criterion};
use neurodyn::train::{shd, EventDataset, Loss, Sample, Trainer};
use neurodyn::Backend;

fn batch(c: &mut Criterion) {
    let data = EventDataset::poisson(shd::CHANNELS, shd::CLASSES, 32, 10.0, 1000.0, 1);
    let refs: Vec<&Sample> = data.samples.iter().collect();
    let mut backends = vec![("gpu", Backend::Gpu)];
    if std::env::var_os("NEURODYN_BENCH_CPU").is_some() {
        backends.push(("cpu", Backend::Cpu));
    }
    let mut group = c.benchmark_group("train_shd_shape_batch32");
    group.sample_size(10);
    for (name, backend) in backends {
        let config = shd::config(Loss::CrossEntropyMaxVoltage, 1e-3, 32);
        let mut trainer =
            Trainer::new(shd::network(256, 1000.0, 1), config, backend).expect("trainer");
        group.bench_function(format!("{name}_forward"), |b| {
            b.iter(|| trainer.forward(&refs).expect("forward"))
        });
        group.bench_function(format!("{name}_train_step"), |b| {
            b.iter(|| trainer.train_batch(&refs).expect("batch"))
        });
    }
    group.finish();
}

criterion_group!(benches, batch);
criterion_main!(benches);
