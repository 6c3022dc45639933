//! The examples' command lines: flags (`--cpu`) and values (`--epochs 5`).

// Every example compiles its own copy of this module and uses part of it.
#![allow(dead_code)]

use neurodyn::Backend;

/// The arguments the example was started with.
pub struct Args(Vec<String>);

impl Args {
    pub fn from_env() -> Self {
        Self(std::env::args().collect())
    }

    /// Whether `flag` was given.
    pub fn has(&self, flag: &str) -> bool {
        self.0.iter().any(|a| a == flag)
    }

    /// The text after `name`, if given.
    pub fn text(&self, name: &str) -> Option<&str> {
        let at = self.0.iter().position(|a| a == name)?;
        self.0.get(at + 1).map(String::as_str)
    }

    /// The value after `name`, if given; an unreadable value is an error naming the
    /// flag.
    pub fn optional<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String>
    where
        T::Err: std::fmt::Display,
    {
        self.text(name)
            .map(|s| s.parse().map_err(|e| format!("{name} `{s}`: {e}")))
            .transpose()
    }

    /// The value after `name`, or `default` when absent.
    pub fn value<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        Ok(self.optional(name)?.unwrap_or(default))
    }

    /// The CPU reference with `--cpu`, else the GPU.
    pub fn backend(&self) -> Backend {
        if self.has("--cpu") {
            Backend::Cpu
        } else {
            Backend::Gpu
        }
    }
}
