// parrot_neuron (NEST): see src/model/neuron.rs (ParrotNeuron). Twin:
// src/cpu/neurons/parrot_neuron.rs. No state; any input in a step makes one spike (each
// input spike delivers one unit, whatever its weight: src/plan/parrot.rs).

const STATE_COUNT: u32 = 0u;

fn neuron_step(s: ptr<function, array<f32, MAX_STATE>>, r: ptr<function, u32>, p: PopulationInfo, synaptic: SynapticInput, current: f32, neuron: u32, step: u32) -> bool {
    return synaptic[0] != 0.0 || synaptic[1] != 0.0;
}
