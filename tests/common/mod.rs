//! Helpers shared by the integration tests.
#![allow(dead_code)]

use neurodyn::gpu::{run_kernel, AssembledShader, GpuContext, ShaderFile, COMMON};
use neurodyn::{
    Connectivity, IafPscExp, Network, NeuronModel, Population, Projection, Receptor, Stimulus,
    Value,
};

/// Runs a test kernel (assembled after the common shader files) on the default
/// adapter; see `neurodyn::gpu::run_kernel`.
pub fn run_test_kernel(
    source: &'static str,
    input: &[u32],
    output_words: usize,
    invocations: u32,
) -> Vec<u32> {
    let file = ShaderFile::text("tests/kernel.wgsl", source);
    let shader = AssembledShader::new(COMMON.iter().cloned().chain([file]));
    let ctx = GpuContext::new(None).expect("a GPU adapter (lavapipe in CI)");
    run_kernel(&ctx, &shader, input, output_words, invocations).expect("kernel runs")
}

/// The bit patterns of `values`, to compare floats exactly.
pub fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// E (800) and I (200) LIF neurons driven by Poisson input, both recorded: E → E fixed
/// probability, I → E fixed total number and I → I all-to-all, each marked by `mark`
/// (procedural or built on the device), and a stored E → I projection of `e_to_i`.
pub fn e_i_network(seed: u64, e_to_i: Connectivity, mark: fn(Projection) -> Projection) -> Network {
    let lif = || NeuronModel::IafPscExp(IafPscExp::default());
    let mut net = Network::new(0.1, seed);
    net.add_population(Population::new("E", 800, lif()));
    net.add_population(Population::new("I", 200, lif()));
    net.add_projection(mark(Projection::new(
        "E",
        "E",
        Connectivity::FixedProbability {
            p: 0.05,
            allow_autapses: false,
        },
        Value::normal_clipped(0.05, 0.02, 0.0, f64::INFINITY),
        Value::uniform(0.5, 3.0),
        Receptor::Excitatory,
    )));
    net.add_projection(Projection::new(
        "E",
        "I",
        e_to_i,
        0.05,
        1.0,
        Receptor::Excitatory,
    ));
    net.add_projection(mark(Projection::new(
        "I",
        "E",
        Connectivity::FixedTotalNumber {
            n: 30_000,
            allow_autapses: false,
            allow_multapses: true,
        },
        Value::uniform(-0.3, -0.1),
        Value::normal_clipped(1.5, 0.75, 0.1, f64::INFINITY),
        Receptor::Inhibitory,
    )));
    net.add_projection(mark(Projection::new(
        "I",
        "I",
        Connectivity::AllToAll {
            allow_autapses: false,
        },
        -0.02,
        0.8,
        Receptor::Inhibitory,
    )));
    for target in ["E", "I"] {
        net.add_stimulus(Stimulus::Poisson {
            target: target.to_string(),
            rate_hz: 12_000.0,
            weight: 0.09,
            receptor: Receptor::Excitatory,
            start_ms: 0.0,
            stop_ms: None,
        });
        net.record_spikes(target);
    }
    net
}

/// The network of `models/<name>.toml`.
pub fn model_file(name: &str) -> Network {
    neurodyn::model::file::load(std::path::Path::new(&format!("models/{name}.toml")))
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
        .network
}
