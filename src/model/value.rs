//! Values that may be constant or drawn: weights, delays, initial states.

use serde::{Deserialize, Serialize};

/// A quantity given as a constant, a distribution drawn from the counter RNG, or an
/// explicit array (one value per element, in the element order the user of the
/// value documents: neurons in index order, synapses in list order).
///
/// In model files a constant may be written as a bare number (`weight = 0.1`), any
/// value as a table (`weight = { distribution = "uniform", low = 0.1, high = 0.2 }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
#[serde(from = "ValueRepr")]
pub enum Value {
    /// The same value everywhere.
    Constant { value: f64 },
    /// Uniform on `[low, high)`.
    Uniform { low: f64, high: f64 },
    /// Normal with mean and standard deviation; draws outside `[low, high]` are redrawn
    /// (NEST's `normal_clipped` semantics, a truncated normal).
    Normal {
        mean: f64,
        sd: f64,
        #[serde(default = "neg_infinity")]
        low: f64,
        #[serde(default = "infinity")]
        high: f64,
    },
    /// exp(N(mu, sigma)): lognormal with the underlying normal's mean and standard
    /// deviation (NEST's `lognormal`); always positive; truncated at 8 sigma.
    Lognormal { mu: f64, sigma: f64 },
    /// One value per element.
    Array { values: Vec<f64> },
}

/// What a model file may write for a `Value`.
enum ValueRepr {
    Number(f64),
    /// A bare array, as `{ distribution = "array", values = [...] }`.
    Values(Vec<f64>),
    Table(ValueTable),
}

/// A number, or the table's own errors (an unknown key or distribution named, with
/// the ones expected), which an untagged enum would replace by one vague line.
impl<'de> Deserialize<'de> for ValueRepr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Repr;
        impl<'de> serde::de::Visitor<'de> for Repr {
            type Value = ValueRepr;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a number, an array of numbers, or a table with `distribution` = \
                     \"constant\", \"uniform\", \"normal\", \"lognormal\" or \"array\" and \
                     its parameters",
                )
            }
            fn visit_f64<E>(self, v: f64) -> Result<ValueRepr, E> {
                Ok(ValueRepr::Number(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ValueRepr, E> {
                Ok(ValueRepr::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ValueRepr, E> {
                Ok(ValueRepr::Number(v as f64))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<ValueRepr, A::Error> {
                Vec::<f64>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(ValueRepr::Values)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ValueRepr, A::Error> {
                ValueTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ValueRepr::Table)
            }
        }
        deserializer.deserialize_any(Repr)
    }
}

/// `Value`'s tagged form, deserialised without the bare-number shortcut.
#[derive(Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
enum ValueTable {
    Constant {
        value: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
        #[serde(default = "neg_infinity")]
        low: f64,
        #[serde(default = "infinity")]
        high: f64,
    },
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Array {
        values: Vec<f64>,
    },
}

impl From<ValueRepr> for Value {
    fn from(repr: ValueRepr) -> Self {
        match repr {
            ValueRepr::Number(value) => Value::Constant { value },
            ValueRepr::Values(values) => Value::Array { values },
            ValueRepr::Table(ValueTable::Constant { value }) => Value::Constant { value },
            ValueRepr::Table(ValueTable::Uniform { low, high }) => Value::Uniform { low, high },
            ValueRepr::Table(ValueTable::Normal {
                mean,
                sd,
                low,
                high,
            }) => Value::Normal {
                mean,
                sd,
                low,
                high,
            },
            ValueRepr::Table(ValueTable::Lognormal { mu, sigma }) => Value::Lognormal { mu, sigma },
            ValueRepr::Table(ValueTable::Array { values }) => Value::Array { values },
        }
    }
}

fn neg_infinity() -> f64 {
    f64::NEG_INFINITY
}
fn infinity() -> f64 {
    f64::INFINITY
}

impl Value {
    /// A constant.
    pub fn constant(value: f64) -> Self {
        Value::Constant { value }
    }
    /// Uniform on `[low, high)`.
    pub fn uniform(low: f64, high: f64) -> Self {
        Value::Uniform { low, high }
    }
    /// An unbounded normal.
    pub fn normal(mean: f64, sd: f64) -> Self {
        Value::Normal {
            mean,
            sd,
            low: f64::NEG_INFINITY,
            high: f64::INFINITY,
        }
    }
    /// A normal truncated to `[low, high]` by redrawing.
    pub fn normal_clipped(mean: f64, sd: f64, low: f64, high: f64) -> Self {
        Value::Normal {
            mean,
            sd,
            low,
            high,
        }
    }
    /// exp(N(mu, sigma)).
    pub fn lognormal(mu: f64, sigma: f64) -> Self {
        Value::Lognormal { mu, sigma }
    }
    /// One value per element.
    pub fn array(values: Vec<f64>) -> Self {
        Value::Array { values }
    }

    /// Element `k` of a constant (the same for every k) or an array; `None` for a
    /// drawn value or past the array's end.
    pub fn element(&self, k: usize) -> Option<f64> {
        match self {
            Value::Constant { value } => Some(*value),
            Value::Array { values } => values.get(k).copied(),
            _ => None,
        }
    }

    /// The smallest and largest value this can produce (for fixed-point range planning
    /// and validation). An unbounded normal is bounded at 8 SD, beyond which a draw
    /// is redrawn, so the bound is a true bound.
    pub fn range(&self) -> (f64, f64) {
        match self {
            Value::Constant { value } => (*value, *value),
            Value::Uniform { low, high } => (*low, *high),
            Value::Normal {
                mean,
                sd,
                low,
                high,
            } => (
                low.max(mean - NORMAL_TAIL_SD * sd),
                high.min(mean + NORMAL_TAIL_SD * sd),
            ),
            Value::Lognormal { mu, sigma } => (
                (mu - NORMAL_TAIL_SD * sigma).exp(),
                (mu + NORMAL_TAIL_SD * sigma).exp(),
            ),
            Value::Array { values } => values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                }),
        }
    }

    /// Every number this value was written with (for finiteness checks).
    pub(crate) fn numbers(&self) -> Vec<f64> {
        match self {
            Value::Constant { value } => vec![*value],
            Value::Uniform { low, high } => vec![*low, *high],
            Value::Normal { mean, sd, .. } => vec![*mean, *sd],
            Value::Lognormal { mu, sigma } => vec![*mu, *sigma],
            Value::Array { values } => values.clone(),
        }
    }
}

/// Normal draws farther than this many SD from the mean are redrawn, so that every
/// distribution has a finite range the planner can size fixed-point inputs for.
pub const NORMAL_TAIL_SD: f64 = 8.0;

/// The least fraction of a normal distribution its clipping range must hold: draws
/// outside it are redrawn, on the host until one falls inside and on the device up
/// to 4,096 times (`MAX_NORMAL_ATTEMPTS`), which this makes as good as certain
/// ((1 − 0.01)^4096 ≈ 10^-18).
pub const MIN_NORMAL_MASS: f64 = 0.01;

/// The fraction of N(`mean`, `sd`) within [`low`, `high`].
pub(crate) fn normal_mass(mean: f64, sd: f64, low: f64, high: f64) -> f64 {
    if low > high {
        return 0.0;
    }
    if sd == 0.0 {
        return if (low..=high).contains(&mean) {
            1.0
        } else {
            0.0
        };
    }
    let cdf = |x: f64| 0.5 * erfc((mean - x) / (sd * std::f64::consts::SQRT_2));
    (cdf(high) - cdf(low)).max(0.0)
}

/// The complementary error function, to a relative error below 1.2e-7 (Numerical
/// Recipes' `erfcc`, a Chebyshev fit): enough to tell whether a range holds 1% of a
/// distribution.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = [
        -1.265_512_23,
        1.000_023_68,
        0.374_091_96,
        0.096_784_18,
        -0.186_288_06,
        0.278_868_07,
        -1.135_203_98,
        1.488_515_87,
        -0.822_152_23,
        0.170_872_77,
    ]
    .iter()
    .rev()
    .fold(0.0, |acc, &c| c + t * acc);
    let r = t * (-z * z + poly).exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Constant { value }
    }
}

/// `v` rounded to 13 significant digits of `scale` (the magnitude of the values it
/// stands among; `v.abs()` for a value alone): a computed value as a person writes it,
/// without the tail that binary fractions leave (99.9, not 99.89999999999999).
pub fn as_written(v: f64, scale: f64) -> f64 {
    if !(scale.is_finite() && scale > 0.0) {
        return v;
    }
    let decimals = (12 - scale.log10().floor() as i32).clamp(0, 300) as usize;
    // `+ 0.0` makes a rounded −0 a 0.
    format!("{v:.decimals$}")
        .parse::<f64>()
        .map_or(v, |x| x + 0.0)
}

#[cfg(test)]
mod tests {
    use super::{erfc, normal_mass};

    #[test]
    fn normal_masses_agree_with_tables() {
        for (x, expected) in [(0.0, 1.0), (1.0, 0.157_299_207), (-1.0, 1.842_700_793)] {
            assert!((erfc(x) - expected).abs() < 1e-7, "erfc({x})");
        }
        let inf = f64::INFINITY;
        let cases = [
            (0.0, 1.0, -1.0, 1.0, 0.682_689_492),
            (0.0, 1.0, 2.0, inf, 0.022_750_132),
            (5.0, 2.0, -inf, 5.0, 0.5),
            (0.0, 1.0, 4.0, 4.0, 0.0),
            (0.0, 1.0, 3.0, 2.0, 0.0),
            (1.0, 0.0, 0.0, 2.0, 1.0),
            (1.0, 0.0, 2.0, 3.0, 0.0),
        ];
        for (mean, sd, low, high, mass) in cases {
            let got = normal_mass(mean, sd, low, high);
            assert!(
                (got - mass).abs() < 1e-7,
                "N({mean}, {sd}) in [{low}, {high}]: {got}"
            );
        }
    }
}
