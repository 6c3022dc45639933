//! Choosing an adapter and opening a device with the adapter's own limits.

use std::sync::{mpsc, Arc, Mutex};

use crate::error::Error;

/// The environment variable that lowers the storage binding size used (bytes).
pub const MAX_BINDING_VAR: &str = "NEURODYN_MAX_STORAGE_BINDING";

/// An open device and what we know of it.
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
    /// `describe` of the adapter as it was opened: the lavapipe thread count it shows
    /// is the one the driver read then, whatever the environment says later.
    pub description: String,
    pub limits: wgpu::Limits,
    /// Bytes of memory available to buffers, where known (see `memory::device_memory`).
    pub memory: Option<u64>,
    /// The first error the device reported asynchronously (validation, out of memory,
    /// device lost); checked after every batch.
    pub errors: Arc<Mutex<Option<String>>>,
}

/// Whether the adapter's driver cuts long loops short: Mesa's lavapipe stops all loops
/// of a shader invocation, silently, after 65,535 iterations in all — 22.3.6 does,
/// 25.0.7 does not (both measured); the versions between, and any lavapipe whose
/// version cannot be read, are taken to. Where it does, the stages check for it
/// (shaders/common/loop_limit.wgsl); elsewhere the check is compiled out.
pub fn cuts_long_loops(info: &wgpu::AdapterInfo) -> bool {
    if !info.name.starts_with("llvmpipe") {
        return false;
    }
    let mesa = info
        .driver_info
        .split_whitespace()
        .skip_while(|word| *word != "Mesa")
        .nth(1)
        .and_then(|version| version.split('.').next()?.parse::<u32>().ok());
    mesa.is_none_or(|major| major < 25)
}

/// Every adapter on the native backends (Vulkan, Metal, DX12), or on OpenGL when
/// there is none: probing OpenGL on a headless machine prints errors from EGL and
/// finds nothing the native backends do not. `WGPU_BACKEND` restricts the backends.
pub fn adapters() -> Vec<wgpu::Adapter> {
    let allowed = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::all());
    let native = enumerate(allowed & wgpu::Backends::PRIMARY);
    if native.is_empty() {
        enumerate(allowed & wgpu::Backends::SECONDARY)
    } else {
        native
    }
}

fn enumerate(backends: wgpu::Backends) -> Vec<wgpu::Adapter> {
    if backends.is_empty() {
        return Vec::new();
    }
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    descriptor.backends = backends;
    let instance = wgpu::Instance::new(descriptor);
    pollster::block_on(instance.enumerate_adapters(backends))
}

/// Preference order: discrete, integrated, virtual, CPU; native APIs before OpenGL
/// (the same llvmpipe appears on both Vulkan and GL; GL lacks what we need).
pub fn rank(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    };
    let backend = match info.backend {
        wgpu::Backend::Vulkan | wgpu::Backend::Metal | wgpu::Backend::Dx12 => 0,
        wgpu::Backend::Gl => 1,
        _ => 2,
    };
    (kind, backend)
}

/// One line describing an adapter: its name, API, kind and driver version (a
/// benchmark's record must name the driver: one model's update on lavapipe took 39%
/// fewer instructions with Mesa 25.0 than with 22.3, BENCHMARKS.md), and for lavapipe
/// its thread count where set (`crate::lavapipe`), since a run's speed depends on it.
/// The count is the environment's now, which the driver reads when a context starts:
/// describe an open context by `GpuContext::description`.
pub fn describe(info: &wgpu::AdapterInfo) -> String {
    let threads = match std::env::var(crate::lavapipe::THREADS_VARIABLE) {
        Ok(value) if info.name.starts_with("llvmpipe") => {
            format!(", {}={value}", crate::lavapipe::THREADS_VARIABLE)
        }
        _ => String::new(),
    };
    let driver = format!("{} {}", info.driver, info.driver_info);
    let driver = match driver.trim() {
        "" => String::new(),
        named => format!(", driver {named}"),
    };
    format!(
        "{} ({:?}, {:?}{driver}){threads}",
        info.name, info.backend, info.device_type
    )
}

/// The limits a device opened on `adapter` gets: the adapter's own, with a smaller
/// storage binding where `NEURODYN_MAX_STORAGE_BINDING` asks for one (to exercise
/// chunked buffers on any device).
pub fn limits_of(adapter: &wgpu::Adapter) -> wgpu::Limits {
    let mut limits = adapter.limits();
    if let Some(bytes) = std::env::var(MAX_BINDING_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        limits.max_storage_buffer_binding_size = limits.max_storage_buffer_binding_size.min(bytes);
    }
    limits
}

/// The adapter `run` would use: the best ranked, or the first whose name contains
/// `wanted` (case-insensitive; from `NEURODYN_ADAPTER` when not given).
pub fn choose_adapter(wanted: Option<&str>) -> Result<wgpu::Adapter, Error> {
    let mut all = adapters();
    all.sort_by_key(|a| rank(&a.get_info()));
    let from_env = std::env::var("NEURODYN_ADAPTER").ok();
    let wanted = wanted
        .map(str::to_string)
        .or(from_env)
        .filter(|w| !w.is_empty());
    // One adapter a line: a description holds commas of its own.
    let list = || {
        all.iter()
            .map(|a| format!("\n  {}", describe(&a.get_info())))
            .collect::<String>()
    };
    match wanted {
        Some(wanted) => {
            let needle = wanted.to_lowercase();
            let index = all
                .iter()
                .position(|a| a.get_info().name.to_lowercase().contains(&needle));
            match index {
                Some(i) => Ok(all.swap_remove(i)),
                None if all.is_empty() => Err(Error::NoAdapter {
                    detail: "no adapter on any backend".into(),
                }),
                None => Err(Error::AdapterNotFound {
                    available: list(),
                    wanted,
                }),
            }
        }
        None if all.is_empty() => Err(Error::NoAdapter {
            detail: "no adapter on any backend".into(),
        }),
        None => Ok(all.swap_remove(0)),
    }
}

impl GpuContext {
    /// Opens the chosen adapter with its own limits.
    pub fn new(wanted: Option<&str>) -> Result<Self, Error> {
        let adapter = choose_adapter(wanted)?;
        let info = adapter.get_info();
        let description = describe(&info);
        let limits = limits_of(&adapter);
        let memory = super::memory::device_memory(&adapter);
        tracing::info!(adapter = %description, driver = %info.driver, "using adapter");
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("neurodyn"),
            // Timestamps for `neurodyn profile`, and 64-bit integers for the random
            // generator's multiplications, where the adapter has them.
            required_features: adapter.features()
                & (wgpu::Features::TIMESTAMP_QUERY
                    | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES
                    | wgpu::Features::SHADER_INT64),
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::default(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| Error::DeviceRequest {
            adapter: description.clone(),
            reason: e.to_string(),
        })?;
        let errors = Arc::new(Mutex::new(None::<String>));
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            sink.lock()
                .expect("error slot")
                .get_or_insert(e.to_string());
        }));
        let sink = errors.clone();
        device.set_device_lost_callback(move |reason, message| {
            sink.lock()
                .expect("error slot")
                .get_or_insert(format!("device lost ({reason:?}): {message}"));
        });
        Ok(Self {
            device,
            queue,
            info,
            description,
            limits,
            memory,
            errors,
        })
    }

    /// Blocks until the device has finished `submission`.
    pub fn wait(&self, submission: wgpu::SubmissionIndex) -> Result<(), Error> {
        // A failed submission shows up as an uncaptured error: report it, not the wait.
        self.check()?;
        let polled = self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: None,
        });
        if let Err(e) = polled {
            // A lost device or a failed submission (reported to the error slot, by
            // callbacks a further poll lets run) is the cause: report that rather
            // than the wait's own message.
            let _ = self.device.poll(wgpu::PollType::Poll);
            self.check()?;
            return Err(Error::Device(e.to_string()));
        }
        self.check()
    }

    /// Maps `buffer`, last written by `submission`, and copies its contents out (after
    /// `wait` for that submission, this costs only the copy). Later submissions may
    /// still be running.
    pub fn read_mapped(
        &self,
        buffer: &wgpu::Buffer,
        submission: wgpu::SubmissionIndex,
    ) -> Result<Vec<u8>, Error> {
        self.read_mapped_prefix(buffer, buffer.size(), submission)
    }

    /// `read_mapped` of the first `len` bytes only (a multiple of 4): what a short
    /// batch filled of a staging buffer sized for a long one.
    pub fn read_mapped_prefix(
        &self,
        buffer: &wgpu::Buffer,
        len: u64,
        submission: wgpu::SubmissionIndex,
    ) -> Result<Vec<u8>, Error> {
        let mapping = Self::map_prefix(buffer, len);
        self.wait(submission)?;
        Self::take_mapped(buffer, len, mapping)
    }

    /// Asks for the first `len` bytes of `buffer` to be mapped for reading once the
    /// device is done with it; `take_mapped` copies them out after a `wait` for the
    /// submission that wrote it (the wait runs the mapping's callback).
    pub fn map_prefix(buffer: &wgpu::Buffer, len: u64) -> Mapping {
        let (tx, rx) = mpsc::channel();
        buffer.map_async(wgpu::MapMode::Read, ..len, move |result| {
            let _ = tx.send(result);
        });
        Mapping(rx)
    }

    /// The bytes a `map_prefix` mapped; the buffer is unmapped again.
    pub fn take_mapped(
        buffer: &wgpu::Buffer,
        len: u64,
        mapping: Mapping,
    ) -> Result<Vec<u8>, Error> {
        mapping
            .0
            .recv()
            .map_err(|e| Error::Device(e.to_string()))?
            .map_err(|e| Error::Device(e.to_string()))?;
        let bytes = buffer
            .get_mapped_range(..len)
            .map_err(|e| Error::Device(e.to_string()))?
            .to_vec();
        buffer.unmap();
        Ok(bytes)
    }

    /// The first asynchronous device error, if any.
    pub fn check(&self) -> Result<(), Error> {
        match self.errors.lock().expect("error slot").clone() {
            Some(e) => Err(Error::Device(e)),
            None => Ok(()),
        }
    }
}

/// A mapping asked for by `GpuContext::map_prefix`, not yet taken.
pub struct Mapping(mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>);

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, driver: &str, driver_info: &str) -> wgpu::AdapterInfo {
        wgpu::AdapterInfo {
            name: name.into(),
            driver: driver.into(),
            driver_info: driver_info.into(),
            ..wgpu::AdapterInfo::new(wgpu::DeviceType::Cpu, wgpu::Backend::Vulkan)
        }
    }

    #[test]
    fn only_lavapipe_before_mesa_25_cuts_long_loops() {
        let lavapipe =
            |driver_info: &str| info("llvmpipe (LLVM 15.0.6, 256 bits)", "llvmpipe", driver_info);
        assert!(cuts_long_loops(&lavapipe("Mesa 22.3.6 (LLVM 15.0.6)")));
        assert!(cuts_long_loops(&lavapipe("Mesa 24.2.8-1 (LLVM 17.0.6)")));
        assert!(cuts_long_loops(&lavapipe("")), "a version it cannot read");
        assert!(!cuts_long_loops(&lavapipe(
            "Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)"
        )));
        assert!(!cuts_long_loops(&info(
            "NVIDIA H100 80GB HBM3",
            "NVIDIA",
            "570.86.15"
        )));
    }

    #[test]
    fn a_description_names_the_driver_version_where_the_adapter_reports_one() {
        let lavapipe = info(
            "llvmpipe (LLVM 15.0.6, 256 bits)",
            "llvmpipe",
            "Mesa 22.3.6 (LLVM 15.0.6)",
        );
        // The thread count, where the environment sets one, follows the parenthesis.
        assert!(describe(&lavapipe).starts_with(
            "llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan, Cpu, driver llvmpipe Mesa 22.3.6 (LLVM 15.0.6))"
        ));
        // Without a thread count (the name is not lavapipe's): (driver, driver info,
        // description).
        for (driver, driver_info, described) in [
            ("", "", "A device (Vulkan, Cpu)"),
            (" ", "\t", "A device (Vulkan, Cpu)"),
            ("NVIDIA", "", "A device (Vulkan, Cpu, driver NVIDIA)"),
            ("", "565.57", "A device (Vulkan, Cpu, driver 565.57)"),
        ] {
            assert_eq!(describe(&info("A device", driver, driver_info)), described);
        }
    }
}
