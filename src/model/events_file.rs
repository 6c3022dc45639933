//! Spike events read from a `.npy` file: an array of shape (n, 2) whose rows are
//! (time in ms, neuron), float64, float32 or integer, as NumPy writes it (C or
//! Fortran order).

use std::path::Path;

/// The (time ms, neuron) events of the `.npy` file at `path`.
pub fn read_events_npy(path: &Path) -> Result<Vec<(f64, u32)>, String> {
    let shown = path.display();
    let (shape, values) = read_npy_f64(path)?;
    if shape.len() != 2 || shape[1] != 2 {
        return Err(format!(
            "`{shown}` has shape {shape:?}; events are an array of shape (n, 2): time in ms, neuron"
        ));
    }
    values
        .chunks_exact(2)
        .enumerate()
        .map(|(row, pair)| {
            let (t, neuron) = (pair[0], pair[1]);
            if !t.is_finite() {
                return Err(format!(
                    "`{shown}` row {row}: time {t} is not a finite time"
                ));
            }
            if neuron.fract() != 0.0 || !(0.0..f64::from(u32::MAX)).contains(&neuron) {
                return Err(format!(
                    "`{shown}` row {row}: neuron {neuron} is not a neuron index"
                ));
            }
            Ok((t, neuron as u32))
        })
        .collect()
}

/// The shape and values (in row-major order, whatever the file's order) of a `.npy`
/// array of floats or integers.
pub fn read_npy_f64(path: &Path) -> Result<(Vec<u64>, Vec<f64>), String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let open =
        || npyz::NpyFile::new(&bytes[..]).map_err(|e| format!("`{shown}` is not a .npy file: {e}"));
    let npy = open()?;
    let shape = npy.shape().to_vec();
    let fortran = npy.order() == npyz::Order::Fortran;
    // Try each element type NumPy writes for real and integer arrays.
    macro_rules! as_f64 {
        ($($t:ty),*) => {{
            let mut values = None;
            $(
                if values.is_none() {
                    values = open()?.into_vec::<$t>().ok().map(|v| v.into_iter().map(|x| x as f64).collect::<Vec<f64>>());
                }
            )*
            values
        }};
    }
    let values = as_f64!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8).ok_or_else(|| {
        format!(
            "`{shown}`: values must be floats or integers ({})",
            npy.dtype().descr()
        )
    })?;
    if fortran && shape.len() == 2 {
        let (n, k) = (shape[0] as usize, shape[1] as usize);
        let rows = (0..n * k).map(|x| values[(x % k) * n + x / k]).collect();
        return Ok((shape, rows));
    }
    Ok((shape, values))
}
