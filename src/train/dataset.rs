//! Labelled event streams: each sample is a list of (time, channel) spikes and a class.
//!
//! Files: a pair of `.npy` arrays — events of shape (n, 3), rows (sample, time in ms,
//! channel), any float or integer type, and labels of shape (samples,) — or, with the
//! `sonata` feature (HDF5), the Spiking Heidelberg Digits layout: `spikes/times`
//! (seconds) and `spikes/units` as variable-length arrays per sample, and `labels`.

use std::path::Path;

use super::network::TrainError;
use crate::cpu::rng::HostStream;
use crate::model::events_file::read_npy_f64;

const STREAM_POISSON: u32 = 0x5470_6f69; // "Tpoi"

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// (time in ms, channel), in any order. Events past the trial (`trial_ms`) are
    /// not seen, as a recording cut to the trial's length (SHD's 1 s).
    pub events: Vec<(f32, u32)>,
    pub label: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventDataset {
    pub channels: u32,
    pub classes: u32,
    pub samples: Vec<Sample>,
}

impl EventDataset {
    /// Checks every event against the channel count and every label against the
    /// classes.
    pub fn new(channels: u32, classes: u32, samples: Vec<Sample>) -> Result<Self, TrainError> {
        for (k, s) in samples.iter().enumerate() {
            if s.label >= classes {
                return Err(TrainError::Dataset(format!(
                    "sample {k} has label {} but there are {classes} classes",
                    s.label
                )));
            }
            if let Some(&(t, c)) = s
                .events
                .iter()
                .find(|(t, c)| *c >= channels || !t.is_finite() || *t < 0.0)
            {
                return Err(TrainError::Dataset(format!(
                    "sample {k} has an event ({t} ms, channel {c}) outside 0..{channels} channels or at a time that is not ≥ 0"
                )));
            }
        }
        Ok(Self {
            channels,
            classes,
            samples,
        })
    }

    /// Reads events (`(n, 3)`: sample, time ms, channel) and labels (`(samples,)`).
    /// Channels and classes are one more than the largest seen.
    pub fn load_npy(events: &Path, labels: &Path) -> Result<Self, TrainError> {
        let read = |path: &Path| read_npy_f64(path).map_err(TrainError::Dataset);
        let (shape, rows) = read(events)?;
        if shape.len() != 2 || shape[1] != 3 {
            return Err(TrainError::Dataset(format!(
                "`{}` has shape {shape:?}; events need (n, 3): sample, time (ms), channel",
                events.display()
            )));
        }
        let (label_shape, label_values) = read(labels)?;
        if label_shape.len() != 1 {
            return Err(TrainError::Dataset(format!(
                "`{}` has shape {label_shape:?}; labels need (samples,)",
                labels.display()
            )));
        }
        let whole = |v: f64, what: &str| {
            if v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) {
                Ok(v as u32)
            } else {
                Err(TrainError::Dataset(format!(
                    "{what} {v} is not a whole number ≥ 0"
                )))
            }
        };
        let mut samples: Vec<Sample> = label_values
            .iter()
            .map(|&l| {
                Ok(Sample {
                    events: Vec::new(),
                    label: whole(l, "label")?,
                })
            })
            .collect::<Result<_, TrainError>>()?;
        let mut channels = 0;
        for row in rows.chunks_exact(3) {
            let s = whole(row[0], "sample")? as usize;
            let c = whole(row[2], "channel")?;
            let sample = samples.get_mut(s).ok_or_else(|| {
                TrainError::Dataset(format!(
                    "an event names sample {s}, but there are {} labels",
                    label_values.len()
                ))
            })?;
            sample.events.push((row[1] as f32, c));
            channels = channels.max(c.saturating_add(1));
        }
        let classes = samples
            .iter()
            .map(|s| s.label.saturating_add(1))
            .max()
            .unwrap_or(0);
        Self::new(channels, classes, samples)
    }

    /// Writes the two arrays [`EventDataset::load_npy`] reads (f64 events, u32 labels).
    pub fn save_npy(&self, events: &Path, labels: &Path) -> Result<(), TrainError> {
        let rows: Vec<f64> = self
            .samples
            .iter()
            .enumerate()
            .flat_map(|(k, s)| {
                s.events
                    .iter()
                    .flat_map(move |&(t, c)| [k as f64, f64::from(t), f64::from(c)])
            })
            .collect();
        write_npy(events, &[(rows.len() / 3) as u64, 3], &rows)?;
        let labels_data: Vec<u32> = self.samples.iter().map(|s| s.label).collect();
        write_npy(labels, &[labels_data.len() as u64], &labels_data)
    }

    /// The Spiking Heidelberg Digits layout (Cramer et al. 2022): times in seconds.
    #[cfg(feature = "sonata")]
    pub fn load_shd(path: &Path) -> Result<Self, TrainError> {
        use hdf5::types::VarLenArray;
        let err = |e: hdf5::Error| TrainError::Dataset(format!("`{}`: {e}", path.display()));
        let file = hdf5::File::open(path).map_err(err)?;
        let times: Vec<VarLenArray<f32>> = file
            .dataset("spikes/times")
            .and_then(|d| d.read_raw())
            .map_err(err)?;
        let units: Vec<VarLenArray<u16>> = file
            .dataset("spikes/units")
            .and_then(|d| d.read_raw())
            .map_err(err)?;
        let labels: Vec<u32> = file
            .dataset("labels")
            .and_then(|d| d.read_raw::<u16>())
            .map_err(err)?
            .into_iter()
            .map(u32::from)
            .collect();
        if times.len() != labels.len() || units.len() != labels.len() {
            return Err(TrainError::Dataset(format!(
                "`{}`: {} spike-time arrays, {} unit arrays and {} labels",
                path.display(),
                times.len(),
                units.len(),
                labels.len()
            )));
        }
        let mut channels = 0;
        let mut samples = Vec::with_capacity(labels.len());
        for (k, ((t, u), &label)) in times.iter().zip(&units).zip(&labels).enumerate() {
            if t.len() != u.len() {
                return Err(TrainError::Dataset(format!(
                    "`{}`: sample {k} has {} spike times but {} units",
                    path.display(),
                    t.len(),
                    u.len()
                )));
            }
            let events: Vec<(f32, u32)> = t
                .iter()
                .zip(u.iter())
                .map(|(&t, &u)| (t * 1000.0, u32::from(u)))
                .collect();
            channels = events.iter().fold(channels, |m, &(_, c)| m.max(c + 1));
            samples.push(Sample { events, label });
        }
        let classes = labels
            .iter()
            .map(|l| l.saturating_add(1))
            .max()
            .unwrap_or(0);
        Self::new(channels, classes, samples)
    }

    /// Samples of independent Poisson spike trains, `rate_hz` on every channel over
    /// `duration_ms`, with labels cycling through the classes: a dataset of a given
    /// shape and activity for timing (it holds nothing to learn). Drawn from the
    /// counter RNG keyed by `seed`, sample by sample.
    pub fn poisson(
        channels: u32,
        classes: u32,
        samples: u32,
        rate_hz: f64,
        duration_ms: f64,
        seed: u64,
    ) -> Self {
        let samples = (0..samples)
            .map(|k| {
                let mut rng = HostStream::new(seed, STREAM_POISSON, k);
                let mut events = Vec::new();
                // No spikes where the rate or duration is not a positive number.
                let active = rate_hz > 0.0 && rate_hz.is_finite() && duration_ms.is_finite();
                for c in (0..channels).filter(|_| active) {
                    let mut t = 0.0;
                    loop {
                        t -= rng.next_f64_open_low().ln() * 1000.0 / rate_hz;
                        if t >= duration_ms {
                            break;
                        }
                        events.push((t as f32, c));
                    }
                }
                Sample {
                    events,
                    label: k % classes.max(1),
                }
            })
            .collect();
        Self {
            channels,
            classes,
            samples,
        }
    }

    /// The input spike bits of `samples` as a batch: for instance `b`, each event at
    /// time `t` is a spike in the step whose end is nearest `t` (halves up, at least
    /// step 0: `SpikeSourceArray`'s rule, so a trained network sees the same input
    /// when simulated); events past the trial are outside it, and several in one
    /// step of one channel make one spike. Writes the input layer's words of
    /// `spikes` (`[instance][step][word]`).
    pub fn write_input_spikes(
        samples: &[&Sample],
        dt_ms: f64,
        steps: u32,
        words: u32,
        input_offset: u32,
        spikes: &mut [u32],
    ) {
        for (b, sample) in samples.iter().enumerate() {
            for &(t, c) in &sample.events {
                let step = crate::model::spike_step(f64::from(t), dt_ms);
                if step >= u64::from(steps) {
                    continue;
                }
                let j = input_offset + c;
                let w = ((b as u32 * steps + step as u32) * words + j / 32) as usize;
                spikes[w] |= 1 << (j % 32);
            }
        }
    }
}

fn write_npy<T: npyz::Serialize + npyz::AutoSerialize + Copy>(
    path: &Path,
    shape: &[u64],
    data: &[T],
) -> Result<(), TrainError> {
    use npyz::WriterBuilder;
    let err = |e: std::io::Error| TrainError::Dataset(format!("`{}`: {e}", path.display()));
    let file = std::io::BufWriter::new(std::fs::File::create(path).map_err(err)?);
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(file)
        .begin_nd()
        .map_err(err)?;
    writer.extend(data.iter().copied()).map_err(err)?;
    writer.finish().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_files_round_trip_and_bad_ones_are_refused() {
        let dir = std::env::temp_dir().join(format!("neurodyn-dataset-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let data = EventDataset::new(
            5,
            3,
            vec![
                Sample {
                    events: vec![(0.5, 4), (1.25, 0)],
                    label: 2,
                },
                Sample {
                    events: vec![],
                    label: 0,
                },
                Sample {
                    events: vec![(3.0, 1)],
                    label: 1,
                },
            ],
        )
        .unwrap();
        let (events, labels) = (dir.join("e.npy"), dir.join("l.npy"));
        data.save_npy(&events, &labels).unwrap();
        assert_eq!(EventDataset::load_npy(&events, &labels).unwrap(), data);
        // Labels for two samples only: the third sample's events name a missing one.
        write_npy(&labels, &[2], &[2u32, 0]).unwrap();
        let e = EventDataset::load_npy(&events, &labels)
            .unwrap_err()
            .to_string();
        assert!(e.contains("names sample 2"), "{e}");
        write_npy(&events, &[2, 2], &[0.0f64, 1.0, 2.0, 3.0]).unwrap();
        let e = EventDataset::load_npy(&events, &labels)
            .unwrap_err()
            .to_string();
        assert!(e.contains("(n, 3)"), "{e}");
        let bad = EventDataset::new(
            2,
            2,
            vec![Sample {
                events: vec![(1.0, 2)],
                label: 0,
            }],
        );
        assert!(bad.unwrap_err().to_string().contains("channel 2"));
        let bad = EventDataset::new(
            2,
            2,
            vec![Sample {
                events: vec![],
                label: 2,
            }],
        );
        assert!(bad.unwrap_err().to_string().contains("label 2"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn poisson_samples_have_their_rate() {
        let data = EventDataset::poisson(50, 3, 20, 20.0, 500.0, 4);
        assert_eq!(data.samples.len(), 20);
        assert_eq!(data.samples[4].label, 1);
        let count: usize = data.samples.iter().map(|s| s.events.len()).sum();
        // 50 channels × 20 samples × 10 expected spikes; Poisson SD √10000 = 100.
        assert!((count as f64 - 10_000.0).abs() < 300.0, "{count} spikes");
        assert!(data
            .samples
            .iter()
            .flat_map(|s| &s.events)
            .all(|&(t, c)| (0.0..500.0).contains(&t) && c < 50));
        assert_eq!(data, EventDataset::poisson(50, 3, 20, 20.0, 500.0, 4));
    }

    #[test]
    fn events_become_spikes_in_the_step_whose_end_is_nearest_as_for_spike_sources() {
        let sample = Sample {
            events: vec![(0.0, 0), (0.7, 1), (0.75, 1), (0.3, 33), (1.2, 2), (9.0, 2)],
            label: 0,
        };
        let mut spikes = vec![0u32; 2 * 4 * 2];
        EventDataset::write_input_spikes(&[&sample, &sample], 0.5, 4, 2, 0, &mut spikes);
        // Step k ends at (k + 1) · 0.5 ms: 0 and 0.3 go to step 0, 0.7 to step 0,
        // 0.75 (a half, up) to step 1, 1.2 to step 1; 9 ms is past the 2 ms trial.
        assert_eq!(&spikes[..8], &[0b11, 0b10, 0b110, 0, 0, 0, 0, 0]);
        assert_eq!(&spikes[8..], &spikes[..8]);
        // The rule of a spike source (0.3 = 3 · 0.1 in f32 is 0.3000000119).
        for (t, dt) in [(0.3f32, 0.1), (1.2, 0.1), (0.24, 0.1), (0.25, 0.1)] {
            let mut bits = vec![0u32; 20];
            let sample = Sample {
                events: vec![(t, 0)],
                label: 0,
            };
            EventDataset::write_input_spikes(&[&sample], dt, 20, 1, 0, &mut bits);
            let step = bits.iter().position(|&w| w != 0).unwrap() as u64;
            assert_eq!(step, crate::model::spike_step(f64::from(t), dt), "{t}");
        }
    }
}
