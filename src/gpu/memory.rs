//! How much memory a device offers for buffers, asked before anything is allocated:
//! `NEURODYN_DEVICE_MEMORY` (bytes) when set; for CPU adapters (lavapipe), whose
//! buffers live in host memory, the host's available memory (within the process's
//! control group); for Vulkan GPUs, the
//! size of their device-local heaps; otherwise unknown.

/// The environment variable that overrides the device memory (bytes).
pub const DEVICE_MEMORY_VAR: &str = "NEURODYN_DEVICE_MEMORY";

/// Bytes of memory available to buffers on `adapter`, where known.
pub fn device_memory(adapter: &wgpu::Adapter) -> Option<u64> {
    if let Some(bytes) = std::env::var(DEVICE_MEMORY_VAR)
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return Some(bytes);
    }
    if adapter.get_info().device_type == wgpu::DeviceType::Cpu {
        return crate::plan::host_memory::available();
    }
    vulkan_device_local_memory(adapter)
}

/// The largest device-local heap of a Vulkan adapter.
fn vulkan_device_local_memory(adapter: &wgpu::Adapter) -> Option<u64> {
    // SAFETY: only reads the physical device's memory properties through the
    // adapter's own instance; nothing is created or kept.
    unsafe {
        let hal = adapter.as_hal::<wgpu::hal::api::Vulkan>()?;
        let properties = hal
            .shared_instance()
            .raw_instance()
            .get_physical_device_memory_properties(hal.raw_physical_device());
        properties.memory_heaps[..properties.memory_heap_count as usize]
            .iter()
            .filter(|h| h.flags.contains(ash::vk::MemoryHeapFlags::DEVICE_LOCAL))
            .map(|h| h.size)
            .max()
    }
}
