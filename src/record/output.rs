//! Streaming `.npy` files: rows are appended as a run produces them, and the file
//! appears under its final name only when complete (it is written to `NAME.partial`
//! and renamed by `finish`), so a crash never leaves a truncated file that looks whole.
//!
//! A stream can hold its file open only while appending: an ensemble of thousands
//! of instances records more files than a process may hold open at once (1024 by
//! default on Linux).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use npyz::{AutoSerialize, TypeWrite};

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

/// The `.npy` header's magic string and version 1.0.
const MAGIC: &[u8] = b"\x93NUMPY\x01\x00";
/// Bytes before the header's text: the magic, the version and its u16 length.
const PREAMBLE: u64 = MAGIC.len() as u64 + 2;
/// The widest row count (u64::MAX has 20 digits): the header reserves room for it, so
/// the final count is written over the first in place.
const COUNT_WIDTH: usize = 20;

/// A `.npy` file being written row by row.
pub struct NpyStream<T: AutoSerialize> {
    serializer: T::TypeWriter,
    /// `None` while closed between writes.
    file: Option<BufWriter<File>>,
    /// Each `extend` closes the file after it (one stream of many).
    close_after_writes: bool,
    partial: PathBuf,
    path: PathBuf,
    /// Elements per row of a 2-D array; `None` for a 1-D array.
    row_len: Option<u64>,
    /// Where the row count stands in the file.
    count_at: u64,
    elements: u64,
    /// A write failed: the file is incomplete and keeps its temporary name.
    failed: bool,
}

impl<T: AutoSerialize> NpyStream<T> {
    /// A 1-D array whose length is the number of elements pushed.
    pub fn one_dimensional(path: &Path) -> io::Result<Self> {
        Self::create(path, None)
    }

    /// A 2-D array of rows of `row_len` elements (C order), at least one.
    pub fn two_dimensional(path: &Path, row_len: u64) -> io::Result<Self> {
        if row_len == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a row of a 2-D array needs at least one element",
            ));
        }
        Self::create(path, Some(row_len))
    }

    fn create(path: &Path, row_len: Option<u64>) -> io::Result<Self> {
        let dtype = T::default_dtype();
        let serializer = T::writer(&dtype)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let partial = partial_name(path);
        let (header, count_at) = header(&dtype.descr(), row_len, 0);
        let mut file = BufWriter::new(File::create(&partial)?);
        file.write_all(&header)?;
        Ok(Self {
            serializer,
            file: Some(file),
            close_after_writes: false,
            partial,
            path: path.to_path_buf(),
            row_len,
            count_at,
            elements: 0,
            failed: false,
        })
    }

    /// From now on holds its file open only while appending: for a run that writes
    /// more streams than it may open files.
    pub fn closing_after_writes(mut self) -> io::Result<Self> {
        self.close_after_writes = true;
        self.close()?;
        Ok(self)
    }

    /// Appends elements, reopening a closed file. After a failed write nothing more
    /// is written (the error was returned once).
    pub fn extend(&mut self, items: impl IntoIterator<Item = T>) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        let mut written = self.append(items);
        if written.is_ok() && self.close_after_writes {
            written = self.close();
        }
        self.failed = written.is_err();
        written
    }

    fn append(&mut self, items: impl IntoIterator<Item = T>) -> io::Result<()> {
        let mut items = items.into_iter().peekable();
        if items.peek().is_none() {
            return Ok(());
        }
        let file = match &mut self.file {
            Some(file) => file,
            closed => {
                let reopened = OpenOptions::new().append(true).open(&self.partial)?;
                closed.insert(BufWriter::new(reopened))
            }
        };
        for item in items {
            self.serializer.write_one(&mut *file, &item)?;
            self.elements += 1;
        }
        Ok(())
    }

    /// Writes what is buffered and lets the file go until the next `extend`.
    fn close(&mut self) -> io::Result<()> {
        match self.file.take() {
            Some(file) => file.into_inner().map(drop).map_err(|e| e.into_error()),
            None => Ok(()),
        }
    }

    /// The file's final name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The name it is written under until `finish` (`NAME.partial`): the file a
    /// failed write leaves, which an error names.
    pub fn partial_path(&self) -> &Path {
        &self.partial
    }

    /// Writes the final shape into the header and gives the file its name; a file a
    /// write failed in keeps its temporary name.
    pub fn finish(mut self) -> io::Result<PathBuf> {
        let incomplete = || {
            io::Error::other(format!(
                "an earlier write failed; what was written is in {}",
                self.partial.display()
            ))
        };
        if self.failed {
            return Err(incomplete());
        }
        self.close()?;
        let rows = match self.row_len {
            Some(len) if !self.elements.is_multiple_of(len) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} elements do not make rows of {len}", self.elements),
                ))
            }
            Some(len) => self.elements / len,
            None => self.elements,
        };
        let mut file = OpenOptions::new().write(true).open(&self.partial)?;
        file.seek(SeekFrom::Start(self.count_at))?;
        file.write_all(&count_text(rows, self.row_len))?;
        std::fs::rename(&self.partial, &self.path)?;
        Ok(self.path)
    }

    /// `finish`, its error paired with the name of the file it leaves (`NAME.partial`).
    pub fn finish_reporting_path(self) -> Result<PathBuf, (PathBuf, io::Error)> {
        let partial = self.partial.clone();
        self.finish().map_err(|e| (partial, e))
    }
}

/// The header of an array of `rows` rows (of `row_len` elements each, or single
/// elements), its text padded to a multiple of 64 bytes as numpy writes it, and where
/// the row count stands in it.
fn header(descr: &str, row_len: Option<u64>, rows: u64) -> (Vec<u8>, u64) {
    let mut text = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (").into_bytes();
    let count_at = PREAMBLE + text.len() as u64;
    text.extend(count_text(rows, row_len));
    let unpadded = PREAMBLE as usize + text.len() + 1;
    text.resize(text.len() + unpadded.next_multiple_of(64) - unpadded, b' ');
    text.push(b'\n');
    let mut header = MAGIC.to_vec();
    let len = u16::try_from(text.len()).expect("a header of one dtype fits in 64 KiB");
    header.extend(len.to_le_bytes());
    header.extend(text);
    (header, count_at)
}

/// The shape from the row count on, `N,), }` or `N, L), }`, padded with spaces to
/// one width whatever N.
fn count_text(rows: u64, row_len: Option<u64>) -> Vec<u8> {
    let count = rows.to_string();
    let mut text = match row_len {
        Some(len) => format!("{count}, {len}), }}"),
        None => format!("{count},), }}"),
    };
    text.extend(std::iter::repeat_n(' ', COUNT_WIDTH - count.len()));
    text.into_bytes()
}

/// The name a stream of `path` is written under until it is finished.
pub fn partial_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: npyz::Deserialize>(path: &Path) -> (Vec<u64>, Vec<T>) {
        let bytes = std::fs::read(path).unwrap();
        let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
        (npy.shape().to_vec(), npy.into_vec().unwrap())
    }

    #[test]
    fn a_stream_closed_between_appends_writes_the_same_file_as_one_kept_open() {
        let dir = std::env::temp_dir().join(format!("neurodyn_npy_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rows = |k: u32| {
            (0..k).map(move |i| SpikeRow {
                time_ms: f64::from(i) * 0.1,
                neuron: i * 7,
            })
        };
        let kept = dir.join("kept.npy");
        let mut stream = NpyStream::one_dimensional(&kept).unwrap();
        stream.extend(rows(5)).unwrap();
        stream.extend(rows(3)).unwrap();
        stream.finish().unwrap();
        let closed = dir.join("closed.npy");
        let mut stream = NpyStream::one_dimensional(&closed)
            .unwrap()
            .closing_after_writes()
            .unwrap();
        stream.extend(rows(5)).unwrap();
        assert!(stream.file.is_none());
        stream.extend(std::iter::empty()).unwrap();
        stream.extend(rows(3)).unwrap();
        assert!(!closed.exists(), "complete only when finished");
        stream.finish().unwrap();
        assert_eq!(
            std::fs::read(&kept).unwrap(),
            std::fs::read(&closed).unwrap()
        );
        let (shape, read_back) = read::<SpikeRow>(&closed);
        assert_eq!(shape, [8]);
        let expected: Vec<SpikeRow> = rows(5).chain(rows(3)).collect();
        assert_eq!(read_back, expected);

        let matrix = dir.join("matrix.npy");
        let mut stream = NpyStream::<f32>::two_dimensional(&matrix, 3)
            .unwrap()
            .closing_after_writes()
            .unwrap();
        stream.extend([1.0, 2.0, 3.0]).unwrap();
        stream.extend([4.0, 5.0, 6.0]).unwrap();
        stream.finish().unwrap();
        let (shape, values) = read::<f32>(&matrix);
        assert_eq!(shape, [2, 3]);
        assert_eq!(values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let bytes = std::fs::read(&matrix).unwrap();
        assert_eq!(&bytes[..8], MAGIC);
        let data_at = 10 + usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
        assert_eq!(data_at % 64, 0, "numpy aligns the data");
        assert_eq!(bytes.len() - data_at, 6 * 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_incomplete_matrix_is_not_given_its_name() {
        let dir = std::env::temp_dir().join(format!("neurodyn_npy_rows_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.npy");
        let mut stream = NpyStream::<u32>::two_dimensional(&path, 2).unwrap();
        stream.extend([1, 2, 3]).unwrap();
        assert!(stream.finish().is_err());
        assert!(!path.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
