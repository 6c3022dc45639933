//! Streaming `.npy` files: rows are appended as a run produces them, and the file
//! appears under its final name only when complete (it is written to `NAME.partial`
//! and renamed by `finish`), so a crash never leaves a truncated file that looks whole.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use npyz::WriterBuilder;

/// One spike in `spikes_<population>.npy`: a numpy structured array with fields
/// `time_ms` (float64, the end of the spike's step) and `neuron` (uint32, the index
/// within the population).
#[derive(
    Debug, Clone, Copy, PartialEq, npyz::Serialize, npyz::Deserialize, npyz::AutoSerialize,
)]
pub struct SpikeRow {
    pub time_ms: f64,
    pub neuron: u32,
}

/// A `.npy` file being written row by row.
pub struct NpyStream<T: npyz::Serialize> {
    writer: npyz::NpyWriter<T, BufWriter<File>>,
    partial: PathBuf,
    path: PathBuf,
    /// A write failed: the file is incomplete and keeps its temporary name.
    failed: bool,
}

impl<T: npyz::AutoSerialize> NpyStream<T> {
    /// A 1-D array whose length is the number of rows pushed.
    pub fn one_dimensional(path: &Path) -> io::Result<Self> {
        let partial = partial_name(path);
        let writer = npyz::WriteOptions::new()
            .default_dtype()
            .writer(BufWriter::new(File::create(&partial)?))
            .begin_1d()?;
        Ok(Self {
            writer,
            partial,
            path: path.to_path_buf(),
            failed: false,
        })
    }

    /// A 2-D array of rows of `row_len` elements (C order), at least one.
    pub fn two_dimensional(path: &Path, row_len: u64) -> io::Result<Self> {
        if row_len == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a row of a 2-D array needs at least one element",
            ));
        }
        let partial = partial_name(path);
        let writer = npyz::WriteOptions::new()
            .default_dtype()
            .writer(BufWriter::new(File::create(&partial)?))
            .begin_2d(row_len)?;
        Ok(Self {
            writer,
            partial,
            path: path.to_path_buf(),
            failed: false,
        })
    }

    /// Appends elements. After a failed write nothing more is written (the error was
    /// returned once).
    pub fn extend(&mut self, items: impl IntoIterator<Item = T>) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        let written = self.writer.extend(items);
        self.failed = written.is_err();
        written
    }

    /// The file's final name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the final shape into the header and gives the file its name; a file a
    /// write failed in keeps its temporary name.
    pub fn finish(self) -> io::Result<PathBuf> {
        if self.failed {
            return Err(io::Error::other(format!(
                "an earlier write failed; what was written is in {}",
                self.partial.display()
            )));
        }
        self.writer.finish()?;
        std::fs::rename(&self.partial, &self.path)?;
        Ok(self.path)
    }

    /// `finish`, its error paired with the file's name.
    pub fn finish_reporting_path(self) -> Result<PathBuf, (PathBuf, io::Error)> {
        let path = self.path.clone();
        self.finish().map_err(|e| (path, e))
    }
}

fn partial_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}
