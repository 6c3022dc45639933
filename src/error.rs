//! Errors a user can act on.

use thiserror::Error;

use crate::gpu::ShaderError;
use crate::model::ValidationErrors;
use crate::plan::PlanError;

/// Everything that can go wrong building or running a simulation.
#[derive(Debug, Error)]
pub enum Error {
    #[error("invalid model:\n{0}")]
    Model(ValidationErrors),
    #[error(transparent)]
    Plan(PlanError),
    #[error(
        "no GPU adapter found ({detail}). neurodyn needs a Vulkan, Metal or DX12 driver. \
         Without a GPU, install Mesa's Vulkan driver that runs on the CPU \
         (Debian/Ubuntu: `sudo apt-get install mesa-vulkan-drivers`), \
         or run on the CPU reference backend"
    )]
    NoAdapter { detail: String },
    #[error(
        "no adapter's name contains `{wanted}` (--adapter or NEURODYN_ADAPTER); available:\
         {available}"
    )]
    AdapterNotFound { wanted: String, available: String },
    #[error("could not open a device on `{adapter}`: {reason}")]
    DeviceRequest { adapter: String, reason: String },
    #[error(
        "buffer `{buffer}` needs {bytes} bytes, but `{adapter}` allows at most {limit} bytes \
         ({limit_name}); the largest buffers of this network are: {largest}. Reduce the \
         network (fewer synapses, shorter delays, fewer recorded neurons)"
    )]
    TooLarge {
        buffer: &'static str,
        bytes: u64,
        limit: u64,
        limit_name: &'static str,
        adapter: String,
        largest: String,
    },
    #[error("{0}")]
    OutOfMemory(Box<MemoryShortfall>),
    #[error("shader error: {0}")]
    Shader(#[from] ShaderError),
    #[error("the GPU reported an error: {0}")]
    Device(String),
    #[error(
        "fixed-point synaptic input saturated {count} time(s) in the batch ending at step \
         {batch_end}; first at step {step}, lowest target: population `{population}`, \
         neuron {neuron}{of_instance}, {receptor} receptor. The input exceeded the i32 \
         range of the receptor's fixed-point unit, {unit:e} nA: check the weights and rates",
        unit = 2f64.powi(-.scale_log2),
        of_instance = of_instance(*.instance)
    )]
    Saturation {
        count: u32,
        batch_end: u64,
        step: u32,
        population: String,
        neuron: u32,
        /// Which instance of an ensemble (0 for a single network).
        instance: u32,
        receptor: String,
        scale_log2: i32,
    },
    #[error(
        "the device driver cut {count} invocation(s) of the {stage} stage short {during}: \
         it stops an invocation's loops after a fixed \
         number of iterations (Mesa's lavapipe: 65,535 in all), and the results would \
         be incomplete, so the run stopped. Split the work (shorter rows, fewer \
         candidates per procedural row, narrower clipped distributions, lower Poisson \
         rates per stimulus, shorter loops in custom WGSL) or run with `--backend cpu` / \
         `Backend::Cpu` (which runs no custom WGSL), or on a driver without the limit \
         (Mesa 25 or later)"
    )]
    LoopLimit {
        count: u32,
        /// When: in which batch, or while building rows on the device.
        during: String,
        stage: &'static str,
    },
    #[error(
        "{recorded} spikes were recorded in a batch sized for {capacity}; spikes would have \
         been lost, so the run stopped"
    )]
    RecordOverflow { recorded: u32, capacity: u32 },
    #[error("training: {0}")]
    Train(#[from] crate::train::TrainError),
    #[error("unknown population `{name}` (the network has: {known})")]
    UnknownPopulation { name: String, known: String },
    #[error("population `{population}` has no recorder for {what}; add one to the network")]
    NotRecorded { population: String, what: String },
    #[error("unknown state variable `{name}` (this model has: {known})")]
    UnknownVariable { name: String, known: String },
    #[error("{steps} steps exceed the {limit} steps one simulation can count")]
    TooManySteps { steps: u64, limit: u64 },
    #[error(
        "a run to {t_ms:e} ms exceeds the {limit} steps ({limit_ms} ms) one simulation can count"
    )]
    TooLong {
        t_ms: f64,
        limit: u64,
        limit_ms: f64,
    },
    #[error(
        "the custom neuron model `{model}` is WGSL and runs only on the GPU backend; \
         the CPU reference cannot execute it"
    )]
    CustomModelOnCpu { model: String },
    #[error(
        "the custom plasticity rule `{rule}` is WGSL and runs only on the GPU backend; \
         the CPU reference cannot execute it"
    )]
    CustomRuleOnCpu { rule: String },
    #[error("cannot write the outputs: {0}")]
    Output(String),
    #[error(
        "{first} and {second} would both be written to `{file}`: rename one or record \
         it once (output file names keep letters, digits, `-` and `_`)"
    )]
    OutputNames {
        first: String,
        second: String,
        file: String,
    },
    #[error(
        "{what} would be written to `{file}`, {length} bytes: longer than the {limit} \
         a file name may have; give it a shorter name"
    )]
    OutputNameTooLong {
        what: String,
        file: String,
        length: usize,
        limit: usize,
    },
    #[error("benchmark case `{case}`: {detail}")]
    BenchmarkModel { case: String, detail: String },
    #[error("{variable}: {path}: {reason}")]
    ShaderHook {
        variable: &'static str,
        path: String,
        reason: String,
    },
    #[error(
        "a state variable became NaN or infinite in {count} neuron update(s) in the batch \
         ending at step {batch_end}; first at step {step}, lowest neuron: population \
         `{population}`, neuron {neuron}{of_instance}, {detail}. Check the model's \
         parameters, the weights and the step size",
        of_instance = of_instance(*.instance)
    )]
    NonFinite {
        count: u32,
        batch_end: u64,
        step: u32,
        population: String,
        neuron: u32,
        /// Which instance of an ensemble (0 for a single network).
        instance: u32,
        /// Which variable and its value at the end of the batch, where the host could read it.
        detail: String,
    },
    #[error(
        "the custom plasticity rule `{rule}` left a weight or variable NaN or infinite \
         {count} time(s), first in step {step} ({t_ms} ms): the run stopped (a snippet \
         that divides by zero, takes the root or log of a negative, or overflows f32)"
    )]
    RuleNonFinite {
        count: u32,
        step: u32,
        t_ms: f64,
        rule: String,
    },
    #[error("interrupted at step {step}; the outputs hold every step before it")]
    Interrupted { step: u64 },
    #[error("no instance {instance}: the ensemble has {instances} (0 to {})", instances - 1)]
    NoInstance { instance: u32, instances: u32 },
    #[error("{t_ms} ms is not a time to run for or until")]
    NotATime { t_ms: f64 },
    #[error("errors for `{population}`: {reason}")]
    Errors { population: String, reason: String },
    #[error("currents for `{population}`: {reason}")]
    StreamCurrents { population: String, reason: String },
    #[error("events for `{population}`: {reason}")]
    StreamEvents { population: String, reason: String },
    #[error("projections[{projection}] is not plastic (plastic projections: {plastic})")]
    NotPlastic { projection: usize, plastic: String },
    #[error("projections[{projection}] has {synapses} synapses, but {given} weights were given")]
    WeightCount {
        projection: usize,
        given: usize,
        synapses: usize,
    },
    #[error(
        "weight {weight} of synapse {synapse} of projections[{projection}] is outside its \
         rule's bounds [{low}, {high}]"
    )]
    WeightOutOfRange {
        projection: usize,
        synapse: usize,
        weight: f32,
        low: f32,
        high: f32,
    },
    #[error(
        "projections[{projection}]: the weights onto its neuron {neuron} would sum to \
         {sum} in magnitude, beyond {limit}, just under twice what the fixed-point unit \
         of its port was sized for (the rule's bounds, the swept values or the weights \
         drawn): give the network larger weights to begin with"
    )]
    WeightsBeyondUnit {
        projection: usize,
        neuron: u32,
        sum: f64,
        limit: f64,
    },
    #[error("conditioning experiment: {0}")]
    Conditioning(String),
    #[error("prediction task: {0}")]
    Prediction(String),
    #[error("liquid state machine task: `{field}` {reason}")]
    LsmTask { field: &'static str, reason: String },
    #[error("there is no astrocyte `{name}` (astrocytes: {known})")]
    UnknownAstrocyte { name: String, known: String },
    #[error("the modulator of projections[{projection}]: {reason}")]
    Modulator { projection: usize, reason: String },
    /// A checkpoint that could not be written (or a simulation that cannot take one).
    #[error("checkpoint `{path}`: {reason}")]
    Checkpoint { path: String, reason: String },
    /// A checkpoint given to resume from that cannot be: unreadable, damaged, of
    /// another model, or not before the run's end (bad input, as a model file).
    #[error("checkpoint `{path}`: {reason}")]
    CheckpointRefused { path: String, reason: String },
    #[error("the simulation stopped after an earlier error and cannot continue: {0}")]
    Stopped(String),
}

impl From<ValidationErrors> for Error {
    fn from(e: ValidationErrors) -> Self {
        Error::Model(e)
    }
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Invalid(e) => Error::Model(e),
            other => Error::Plan(other),
        }
    }
}

/// A network that needs more device memory than there is.
#[derive(Debug, Error)]
#[error(
    "the network needs {needed} of device memory{estimate}, but `{adapter}` has {available}; \
     the largest buffers are: {largest}. To make it fit: {advice}"
)]
pub struct MemoryShortfall {
    pub needed: String,
    /// " (estimated before drawing the synapses)" or "".
    pub estimate: &'static str,
    pub available: String,
    pub adapter: String,
    pub largest: String,
    pub advice: String,
}

/// " of instance b" for an ensemble's instance b > 0; nothing for instance 0, which is
/// the single network.
fn of_instance(instance: u32) -> String {
    if instance == 0 {
        String::new()
    } else {
        format!(" of instance {instance}")
    }
}
