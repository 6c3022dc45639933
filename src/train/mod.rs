//! Gradient-based training on the step grid: EventProp's exact event-based gradients
//! for networks of LIF neurons (`eventprop`) and e-prop's online gradients for LIF
//! and adaptive LIF networks (`eprop`), over labelled event streams (`dataset`), with
//! losses on spike times or readout potentials (`loss`) and optimisers
//! (`optimizer`), run by the `trainer`. The network (`network`) is lowered to a plan
//! (`plan`); the kernels' CPU twins are `src/cpu/train_*.rs`.

pub mod dataset;
pub mod eprop;
pub mod eventprop;
pub mod latency;
pub mod loss;
pub mod network;
pub mod optimizer;
pub mod plan;
pub mod shd;
pub mod trainer;

pub use dataset::{EventDataset, Sample};
pub use eprop::{Eprop, Feedback, Method};
pub use loss::{Loss, LossValue, Targets};
pub use network::{
    Alif, Connection, Delays, Layer, LayerKind, Lif, Readout, TrainError, TrainingNetwork, Weights,
};
pub use optimizer::Optimizer;
pub use trainer::{epoch_order, BatchGradient, BatchResult, Trainer, TrainingConfig};
