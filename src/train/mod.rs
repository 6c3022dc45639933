//! Gradient-based training on the step grid: EventProp's exact event-based gradients
//! for networks of LIF neurons (`eventprop`), over labelled event streams
//! (`dataset`), with losses on spike times or readout potentials (`loss`) and
//! optimisers (`optimizer`). The network (`network`) is lowered to a plan (`plan`);
//! the forward and backward steps are `src/cpu/train_forward.rs` and
//! `src/cpu/train_backward.rs`.

pub mod dataset;
pub mod eventprop;
pub mod latency;
pub mod loss;
pub mod network;
pub mod optimizer;
pub mod plan;

pub use dataset::{EventDataset, Sample};
pub use eventprop::{BatchGradient, BatchResult, Trainer, TrainingConfig};
pub use loss::{Loss, LossValue, Targets};
pub use network::{
    Connection, Delays, Layer, LayerKind, Lif, Readout, TrainError, TrainingNetwork, Weights,
};
pub use optimizer::Optimizer;
