//! Reading the astrocyte units' levels.

use super::Simulation;
use crate::Error;

impl Simulation {
    /// The level A of astrocyte `name` in `instance` during the last step run (it
    /// counts the spikes of the steps before that one; `Astrocyte` states the
    /// dynamics). Before any step, its bias.
    pub fn astrocyte(&mut self, name: &str, instance: u32) -> Result<f32, Error> {
        let table = &self.plan.astrocytes;
        let a =
            table
                .names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| Error::UnknownAstrocyte {
                    name: name.to_string(),
                    known: if table.names.is_empty() {
                        "none".to_string()
                    } else {
                        table.names.join(", ")
                    },
                })?;
        let instances = self.plan.config.n_instances;
        if instance >= instances {
            return Err(Error::NoInstance {
                instance,
                instances,
            });
        }
        let words = self.engine.read_modulators()?;
        let at = self.plan.config.astrocyte_base + a as u32 * instances + instance;
        Ok(f32::from_bits(words[at as usize]))
    }
}
