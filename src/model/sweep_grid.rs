//! A study as a grid: parameter axes whose values combine into every point, each point
//! repeated over seeds, expanded into the instances of one ensemble and their
//! per-instance [`Sweep`]s. The grid is kept with the network so the outputs can name
//! each instance's coordinates and plot a statistic over the axes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::validate::MAX_INSTANCES;
use super::value::as_written;
use super::Sweep;

/// `[sweep]` in a model file: axes and repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepGrid {
    /// Instances per point of the grid. Repeats differ in their random streams
    /// (each instance's draws are keyed by its index), not in their parameters.
    #[serde(default = "one")]
    pub seeds: u32,
    /// The grid's axes; the last varies fastest between instances, then the seeds.
    #[serde(default)]
    pub axes: Vec<SweepAxis>,
}

fn one() -> u32 {
    1
}

/// One axis: its values (a list, or `from`, `to` and `steps` evenly spaced including
/// both ends), and the parameters it sets — one path set to the value itself
/// (`parameter`), or several paths each set to the value times a factor (`scale`:
/// Brunel's g sets both inhibitory weights to −g·J).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepAxis {
    /// The axis's name in tables and plots (default: its `parameter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A parameter path: `E.i_offset`, `stimuli[0].rate_hz`, `projections[2].weight`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Parameter paths each set to the axis value times the factor given.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scale: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
}

/// A grid problem: the field (`sweep.axes[0].steps`) and what is wrong.
pub type GridError = (String, String);

impl SweepAxis {
    /// An axis setting `parameter` to each of `values`.
    pub fn list(parameter: &str, values: Vec<f64>) -> Self {
        Self {
            name: None,
            parameter: Some(parameter.into()),
            scale: BTreeMap::new(),
            values: Some(values),
            from: None,
            to: None,
            steps: None,
        }
    }

    /// An axis setting `parameter` to `steps` values evenly spaced over [from, to].
    pub fn range(parameter: &str, from: f64, to: f64, steps: u32) -> Self {
        Self {
            values: None,
            from: Some(from),
            to: Some(to),
            steps: Some(steps),
            ..Self::list(parameter, Vec::new())
        }
    }

    /// An axis named `name` whose value v sets each path to v × its factor.
    pub fn scaled(name: &str, values: Vec<f64>, scale: &[(&str, f64)]) -> Self {
        Self {
            name: Some(name.into()),
            parameter: None,
            scale: scale.iter().map(|&(p, f)| (p.into(), f)).collect(),
            values: Some(values),
            from: None,
            to: None,
            steps: None,
        }
    }

    /// The axis's name: its `name`, else its parameter path.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.parameter.clone())
            .unwrap_or_default()
    }

    /// The axis's values in order.
    pub fn points(&self, field: &str) -> Result<Vec<f64>, GridError> {
        let bad = |what: &str, message: String| (format!("{field}.{what}"), message);
        let points = match (&self.values, self.from, self.to, self.steps) {
            (Some(values), None, None, None) => values.clone(),
            (None, Some(from), Some(to), Some(steps)) => {
                if steps == 0 {
                    return Err(bad("steps", "must be at least 1".into()));
                }
                if steps > MAX_INSTANCES {
                    return Err(bad(
                        "steps",
                        format!(
                            "{steps}: at most {MAX_INSTANCES}, the most instances there may be"
                        ),
                    ));
                }
                if steps == 1 {
                    vec![from]
                } else {
                    // Weighted ends, exact at both ends, then rounded to 13 significant
                    // digits: 0.9..4 in 6 steps gives 2.14 and 2.76 as written, not
                    // 2.1399999999999997 and 2.7600000000000002.
                    let last = f64::from(steps - 1);
                    // Rounded at the range's own scale, so that a point that should be
                    // 0 is (−0.1..0.7 in 9 steps: not −1.4e-17).
                    let scale = from.abs().max(to.abs());
                    (0..steps)
                        .map(|i| (from * (last - f64::from(i)) + to * f64::from(i)) / last)
                        .map(|v| as_written(v, scale))
                        .collect()
                }
            }
            _ => {
                return Err((
                    field.into(),
                    "give either `values` or all of `from`, `to` and `steps`".into(),
                ))
            }
        };
        if points.is_empty() {
            return Err(bad("values", "an axis needs at least one value".into()));
        }
        if let Some(v) = points.iter().find(|v| !v.is_finite()) {
            return Err(bad("values", format!("{v} is not a finite number")));
        }
        Ok(points)
    }

    /// The field of the axis at `field` that sets `path`.
    fn target_field(&self, field: &str, path: &str) -> String {
        match self.parameter {
            Some(_) => format!("{field}.parameter"),
            None => format!("{field}.scale.{path}"),
        }
    }

    /// The paths the axis sets, each with its factor.
    fn targets(&self, field: &str) -> Result<Vec<(String, f64)>, GridError> {
        match (&self.parameter, self.scale.is_empty()) {
            (Some(path), true) => Ok(vec![(path.clone(), 1.0)]),
            (None, false) => {
                if self.name.is_none() {
                    return Err((
                        format!("{field}.name"),
                        "an axis with `scale` needs a `name`".into(),
                    ));
                }
                Ok(self.scale.iter().map(|(p, &f)| (p.clone(), f)).collect())
            }
            _ => Err((
                field.into(),
                "give either `parameter` or `scale` (not both)".into(),
            )),
        }
    }
}

impl std::str::FromStr for SweepAxis {
    type Err = String;

    /// `PATH=V1,V2,…` (a list) or `PATH=FROM:TO:STEPS` (a range), as `neurodyn run
    /// --sweep` takes them.
    fn from_str(text: &str) -> Result<Self, String> {
        let (path, values) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: write PATH=V1,V2,… or PATH=FROM:TO:STEPS"))?;
        let number = |v: &str| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("`{text}`: `{v}` is not a number"))
        };
        let path = path.trim();
        let range: Vec<&str> = values.split(':').collect();
        match range.as_slice() {
            [from, to, steps] => {
                let steps = steps
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| format!("`{text}`: STEPS `{steps}` is not a whole number"))?;
                Ok(Self::range(path, number(from)?, number(to)?, steps))
            }
            [_] => Ok(Self::list(
                path,
                values.split(',').map(number).collect::<Result<_, _>>()?,
            )),
            _ => Err(format!("`{text}`: a range is FROM:TO:STEPS")),
        }
    }
}

/// Where instance k lies on the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridPoint {
    /// Index along each axis.
    pub indices: Vec<usize>,
    /// Value on each axis.
    pub values: Vec<f64>,
    /// Which repeat of its point (0..seeds).
    pub seed: u32,
}

impl SweepGrid {
    /// Instances the grid expands into: the product of the axes' lengths times the
    /// seeds.
    pub fn instances(&self) -> Result<u32, GridError> {
        if self.seeds == 0 {
            return Err(("sweep.seeds".into(), "must be at least 1".into()));
        }
        let too_many = || {
            Err((
                "sweep".to_string(),
                format!(
                    "the grid expands into more than {MAX_INSTANCES} instances, the most \
                     there may be"
                ),
            ))
        };
        let mut n = u64::from(self.seeds);
        if n > u64::from(MAX_INSTANCES) {
            return too_many();
        }
        for (a, axis) in self.axes.iter().enumerate() {
            n *= axis.points(&format!("sweep.axes[{a}]"))?.len() as u64;
            if n > u64::from(MAX_INSTANCES) {
                return too_many();
            }
        }
        Ok(n as u32)
    }

    /// Instance k's place on the grid.
    pub fn point(&self, k: u32) -> Result<GridPoint, GridError> {
        Ok(self.point_among(&self.all_points()?, k))
    }

    /// Every instance's place on the grid, in instance order.
    pub fn grid_points(&self) -> Result<Vec<GridPoint>, GridError> {
        let points = self.all_points()?;
        Ok((0..self.instances()?)
            .map(|k| self.point_among(&points, k))
            .collect())
    }

    /// Instance k's place on a grid whose axes' values are `points`.
    fn point_among(&self, points: &[Vec<f64>], k: u32) -> GridPoint {
        let seeds = self.seeds.max(1);
        let mut rest = (k / seeds) as usize;
        let mut indices = vec![0; points.len()];
        for a in (0..points.len()).rev() {
            indices[a] = rest % points[a].len();
            rest /= points[a].len();
        }
        GridPoint {
            values: indices.iter().zip(points).map(|(&i, p)| p[i]).collect(),
            indices,
            seed: k % seeds,
        }
    }

    fn all_points(&self) -> Result<Vec<Vec<f64>>, GridError> {
        // An axis's name heads its column and keys its coordinate: one name, one axis.
        for (a, axis) in self.axes.iter().enumerate() {
            // (Two axes of one parameter are refused by `sweeps`, naming the path.)
            let clash = |b: &SweepAxis| {
                (b.name.is_some() || axis.name.is_some()) && b.label() == axis.label()
            };
            // Nor may it take a column of its own kind: `repeat`, or a path an axis
            // (itself included) scales.
            let taken = axis.name.as_ref().is_some_and(|name| {
                name == "repeat"
                    || name == "instance"
                    || (self.axes.iter())
                        .any(|b| b.parameter.is_none() && b.scale.contains_key(name))
            });
            if taken {
                return Err((
                    format!("sweep.axes[{a}].name"),
                    format!(
                        "`{}` names a column of sweep.csv already (`instance`, `repeat` \
                         or a path an axis sets)",
                        axis.label()
                    ),
                ));
            }
            if self.axes[..a].iter().any(clash) {
                let at = if axis.name.is_some() {
                    "name"
                } else {
                    "parameter"
                };
                return Err((
                    format!("sweep.axes[{a}].{at}"),
                    format!("`{}` names an earlier axis too", axis.label()),
                ));
            }
        }
        self.axes
            .iter()
            .enumerate()
            .map(|(a, axis)| axis.points(&format!("sweep.axes[{a}]")))
            .collect()
    }

    /// Where each of `sweeps` comes from: `sweep.axes[a].parameter`, or
    /// `sweep.axes[a].scale.<path>` for an axis that scales several paths.
    pub fn sweep_fields(&self) -> Vec<String> {
        (self.axes.iter().enumerate())
            .flat_map(|(a, axis)| {
                let field = format!("sweep.axes[{a}]");
                let targets = axis.targets(&field).unwrap_or_default();
                (targets.iter())
                    .map(|(path, _)| axis.target_field(&field, path))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The per-instance sweeps the grid stands for, one per parameter path (a path
    /// set by two axes is refused).
    pub fn sweeps(&self) -> Result<Vec<Sweep>, GridError> {
        let points = self.grid_points()?;
        let mut sweeps: Vec<Sweep> = Vec::new();
        for (a, axis) in self.axes.iter().enumerate() {
            let field = format!("sweep.axes[{a}]");
            for (path, factor) in axis.targets(&field)? {
                // A product as written too: 3 × −0.1 is −0.3, not −0.30000000000000004
                // (a value the user wrote, factor 1, stays as written).
                let values: Vec<f64> = points
                    .iter()
                    .map(|p| p.values[a] * factor)
                    .map(|v| {
                        if factor == 1.0 {
                            v
                        } else {
                            as_written(v, v.abs())
                        }
                    })
                    .collect();
                if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                    return Err((
                        format!("{field}.scale.{path}"),
                        format!("a value times its factor {factor} is {v}, not a number"),
                    ));
                }
                let sweep = Sweep::from_path(&path, values)
                    .map_err(|m| (axis.target_field(&field, &path), m))?;
                if sweeps.iter().any(|s| s.label() == sweep.label()) {
                    return Err((field, format!("`{path}` is set by two axes")));
                }
                sweeps.push(sweep);
            }
        }
        Ok(sweeps)
    }
}

impl Sweep {
    /// The sweep a parameter path names (the inverse of [`Sweep::label`]):
    /// `E.i_offset`, `stimuli[0].rate_hz`, `projections[2].weight`.
    pub fn from_path(path: &str, values: Vec<f64>) -> Result<Sweep, String> {
        let indexed = |head: &str, tail: &str| -> Option<usize> {
            path.strip_prefix(head)?
                .strip_suffix(tail)?
                .parse::<usize>()
                .ok()
        };
        if path.starts_with("stimuli[") {
            return indexed("stimuli[", "].rate_hz")
                .map(|stimulus| Sweep::PoissonRate { stimulus, values })
                .ok_or_else(|| {
                    format!("`{path}`: a stimulus is swept as `stimuli[<index>].rate_hz`")
                });
        }
        if path.starts_with("projections[") {
            if let Some((head, parameter)) = path.split_once("].plasticity.") {
                if let Some(projection) = head
                    .strip_prefix("projections[")
                    .and_then(|k| k.parse::<usize>().ok())
                {
                    return Ok(Sweep::Plasticity {
                        projection,
                        parameter: parameter.into(),
                        values,
                    });
                }
            }
            if let Some(projection) = indexed("projections[", "].delay_ms") {
                return Ok(Sweep::Delay { projection, values });
            }
            return indexed("projections[", "].weight")
                .map(|projection| Sweep::Weight { projection, values })
                .ok_or_else(|| {
                    format!(
                        "`{path}`: a projection is swept as `projections[<index>].weight`, \
                         `projections[<index>].delay_ms` or \
                         `projections[<index>].plasticity.<parameter>`"
                    )
                });
        }
        match path.rsplit_once('.') {
            Some((population, parameter)) if !population.is_empty() && !parameter.is_empty() => {
                Ok(Sweep::Neuron {
                    population: population.into(),
                    parameter: parameter.into(),
                    values,
                })
            }
            _ => Err(format!(
                "`{path}` is not a parameter path: `<population>.<parameter>`, \
                 `stimuli[<index>].rate_hz`, `projections[<index>].weight`, \
                 `projections[<index>].delay_ms` or \
                 `projections[<index>].plasticity.<parameter>`"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_expands_repeats_fastest_then_the_last_axis() {
        let grid = SweepGrid {
            seeds: 2,
            axes: vec![
                SweepAxis::list("E.i_offset", vec![0.1, 0.2]),
                SweepAxis::range("stimuli[0].rate_hz", 10.0, 30.0, 3),
            ],
        };
        assert_eq!(grid.instances(), Ok(12));
        let p = grid.point(7).unwrap();
        // 7 = ((1 * 3) + 0) * 2 + 1
        assert_eq!(
            (p.indices.clone(), p.values.clone(), p.seed),
            (vec![1, 0], vec![0.2, 10.0], 1)
        );
        let sweeps = grid.sweeps().unwrap();
        assert_eq!(sweeps[0].values()[6..8], [0.2, 0.2]);
        assert_eq!(
            sweeps[1].values()[0..6],
            [10.0, 10.0, 20.0, 20.0, 30.0, 30.0]
        );
    }

    #[test]
    fn axes_parse_from_the_command_line() {
        let list: SweepAxis = "E.i_offset=0.1, 0.2".parse().unwrap();
        assert_eq!(list, SweepAxis::list("E.i_offset", vec![0.1, 0.2]));
        let range: SweepAxis = "stimuli[1].rate_hz=5:20:4".parse().unwrap();
        assert_eq!(range.points("x").unwrap(), [5.0, 10.0, 15.0, 20.0]);
        let eta = SweepAxis::range("stimuli[0].rate_hz", 0.9, 4.0, 6);
        assert_eq!(eta.points("x").unwrap(), [0.9, 1.52, 2.14, 2.76, 3.38, 4.0]);
        for bad in ["E.i_offset", "E.i_offset=a", "E.x=1:2", "E.x=1:2:z"] {
            assert!(bad.parse::<SweepAxis>().is_err(), "{bad}");
        }
    }

    #[test]
    fn scaled_axes_set_several_paths() {
        let grid = SweepGrid {
            seeds: 1,
            axes: vec![SweepAxis::scaled(
                "g",
                vec![3.0, 5.0],
                &[
                    ("projections[2].weight", -0.1),
                    ("projections[3].weight", -0.2),
                ],
            )],
        };
        let sweeps = grid.sweeps().unwrap();
        assert_eq!(sweeps[0].label(), "projections[2].weight");
        // As written: 3 × −0.1 is −0.3, not −0.30000000000000004.
        assert_eq!(sweeps[0].values(), [-0.3, -0.5]);
        assert_eq!(sweeps[1].values(), [-0.6, -1.0]);
        // A value the user wrote stays as written; a range's point that should be 0 is.
        let exact = SweepGrid {
            seeds: 1,
            axes: vec![SweepAxis::list("E.i_offset", vec![0.12345678901234567])],
        };
        assert_eq!(exact.sweeps().unwrap()[0].values(), [0.12345678901234567]);
        let range = SweepAxis::range("E.i_offset", -0.1, 0.7, 9);
        assert_eq!(range.points("x").unwrap()[1], 0.0);
    }

    #[test]
    fn two_axes_of_one_name_are_refused() {
        let grid = SweepGrid {
            seeds: 1,
            axes: vec![
                SweepAxis::scaled("x", vec![1.0, 2.0], &[("E.i_offset", 0.1)]),
                SweepAxis::scaled("x", vec![10.0, 20.0], &[("E.tau_m", 1.0)]),
            ],
        };
        let (field, message) = grid.grid_points().unwrap_err();
        assert_eq!(field, "sweep.axes[1].name");
        assert!(message.contains("`x`"), "{message}");
        // Nor a column sweep.csv has already: the path an axis scales, its own too
        // (its column showed the scaled values under the axis's name).
        for name in ["repeat", "E.tau_m", "E.i_offset"] {
            let grid = SweepGrid {
                seeds: 1,
                axes: vec![
                    SweepAxis::scaled(name, vec![1.0, 2.0], &[("E.i_offset", 0.1)]),
                    SweepAxis::scaled("y", vec![10.0, 20.0], &[("E.tau_m", 1.0)]),
                ],
            };
            assert_eq!(grid.grid_points().unwrap_err().0, "sweep.axes[0].name");
        }
    }

    #[test]
    fn bad_grids_name_the_field() {
        let mut axis = SweepAxis::range("E.tau_m", 1.0, 2.0, 0);
        let grid = |axis: SweepAxis| SweepGrid {
            seeds: 1,
            axes: vec![axis],
        };
        assert_eq!(
            grid(axis.clone()).instances().unwrap_err().0,
            "sweep.axes[0].steps"
        );
        axis.steps = Some(2);
        axis.values = Some(vec![1.0]);
        assert!(grid(axis)
            .instances()
            .unwrap_err()
            .1
            .contains("either `values`"));
        let rule = Sweep::from_path("projections[1].plasticity.lambda", vec![0.1]).unwrap();
        assert_eq!(rule.label(), "projections[1].plasticity.lambda");
        let bad_path = grid(SweepAxis::list("projections[x].weight", vec![1.0]));
        let (field, message) = bad_path.sweeps().unwrap_err();
        assert_eq!(field, "sweep.axes[0].parameter");
        assert!(message.contains("projections[<index>].weight"), "{message}");
        let twice = SweepGrid {
            seeds: 1,
            axes: vec![
                SweepAxis::list("E.tau_m", vec![1.0]),
                SweepAxis::list("E.tau_m", vec![2.0]),
            ],
        };
        assert!(twice.sweeps().unwrap_err().1.contains("two axes"));
    }
}
