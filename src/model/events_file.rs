//! Spike events read from a `.npy` file: an array of shape (n, 2) whose rows are
//! (time in ms, neuron), float64, float32 or integer, as NumPy writes it (C or
//! Fortran order).

use std::path::Path;

/// The (time ms, neuron) events of the `.npy` file at `path`.
pub fn read_events_npy(path: &Path) -> Result<Vec<(f64, u32)>, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let open =
        || npyz::NpyFile::new(&bytes[..]).map_err(|e| format!("`{shown}` is not a .npy file: {e}"));
    let npy = open()?;
    let shape = npy.shape().to_vec();
    if shape.len() != 2 || shape[1] != 2 {
        return Err(format!(
            "`{shown}` has shape {shape:?}; events are an array of shape (n, 2): time in ms, neuron"
        ));
    }
    let fortran = npy.order() == npyz::Order::Fortran;
    let values: Vec<f64> = match open()?.into_vec::<f64>() {
        Ok(v) => v,
        Err(_) => match open()?.into_vec::<f32>() {
            Ok(v) => v.into_iter().map(f64::from).collect(),
            Err(_) => open()?
                .into_vec::<i64>()
                .map_err(|_| {
                    format!(
                        "`{shown}`: events must be float64, float32 or int64 ({})",
                        npy.dtype().descr()
                    )
                })?
                .into_iter()
                .map(|x| x as f64)
                .collect(),
        },
    };
    let n = shape[0] as usize;
    let at = |row: usize, column: usize| {
        if fortran {
            values[column * n + row]
        } else {
            values[row * 2 + column]
        }
    };
    (0..n)
        .map(|row| {
            let (t, neuron) = (at(row, 0), at(row, 1));
            if neuron.fract() != 0.0 || !(0.0..f64::from(u32::MAX)).contains(&neuron) {
                return Err(format!(
                    "`{shown}` row {row}: neuron {neuron} is not a neuron index"
                ));
            }
            Ok((t, neuron as u32))
        })
        .collect()
}
