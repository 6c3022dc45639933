"""Writes the SONATA test network of tests/sonata.rs with BMTK (pip install bmtk),
and runs it in NEST through BMTK's PointNet with `--nest` (pip install
nest-simulator), printing the population rates tests/sonata.rs compares with.

    python3 make_network.py          # network/, inputs/, components/, configs
    python3 make_network.py --nest   # also: NEST's rates (output/spikes.h5)

A recurrent point-neuron network: 80 excitatory and 20 inhibitory `nest:iaf_psc_alpha`
neurons (two node types with their own dynamics_params) with random connectivity
and per-edge synapse counts (nsyns), driven by 50 virtual Poisson inputs whose spike
trains are a SONATA spike file.
"""
import json
import os
import sys

import numpy as np
from bmtk.builder import NetworkBuilder
from bmtk.utils.reports.spike_trains import PoissonSpikeGenerator

HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)
rng = np.random.default_rng(7)


def random_connections(p, nsyns_max, recurrent=True):
    def rule(source, target):
        if recurrent and source.node_id == target.node_id:
            return 0
        return int(rng.integers(1, nsyns_max + 1)) if rng.random() < p else 0
    return rule


cortex = NetworkBuilder('cortex')
cortex.add_nodes(N=80, pop_name='exc', ei='e', model_type='point_neuron',
                 model_template='nest:iaf_psc_alpha', dynamics_params='exc.json')
cortex.add_nodes(N=20, pop_name='inh', ei='i', model_type='point_neuron',
                 model_template='nest:iaf_psc_alpha', dynamics_params='inh.json')
cortex.add_edges(source={'ei': 'e'}, target={'ei': 'e'}, connection_rule=random_connections(0.1, 3),
                 syn_weight=25.0, delay=1.5, dynamics_params='static.json', model_template='static_synapse')
cortex.add_edges(source={'ei': 'e'}, target={'ei': 'i'}, connection_rule=random_connections(0.2, 2),
                 syn_weight=60.0, delay=1.0, dynamics_params='static.json', model_template='static_synapse')
cortex.add_edges(source={'ei': 'i'}, target={'ei': 'e'}, connection_rule=random_connections(0.3, 2),
                 syn_weight=-90.0, delay=1.0, dynamics_params='static.json', model_template='static_synapse')
cortex.build()
cortex.save_nodes(output_dir='network')
cortex.save_edges(output_dir='network')

thalamus = NetworkBuilder('thalamus')
thalamus.add_nodes(N=50, pop_name='relay', model_type='virtual')
thalamus.add_edges(target=cortex.nodes(), connection_rule=random_connections(0.2, 1, recurrent=False),
                   syn_weight=60.0, delay=2.0, dynamics_params='static.json', model_template='static_synapse')
thalamus.build()
thalamus.save_nodes(output_dir='network')
thalamus.save_edges(output_dir='network')

os.makedirs('inputs', exist_ok=True)
spikes = PoissonSpikeGenerator(population='thalamus', seed=3)
spikes.add(node_ids=range(50), firing_rate=40.0, times=(0.001, 1.0))
spikes.to_sonata('inputs/thalamus_spikes.h5')

os.makedirs('components/point_neuron_models', exist_ok=True)
os.makedirs('components/synaptic_models', exist_ok=True)
models = {
    'exc.json': {'C_m': 250.0, 'tau_m': 20.0, 't_ref': 2.0, 'E_L': -70.0, 'V_reset': -70.0,
                 'V_th': -55.0, 'tau_syn_ex': 2.0, 'tau_syn_in': 5.0, 'I_e': 100.0, 'V_m': -65.0},
    'inh.json': {'C_m': 200.0, 'tau_m': 10.0, 't_ref': 1.0, 'E_L': -70.0, 'V_reset': -65.0,
                 'V_th': -52.0, 'tau_syn_ex': 1.0, 'tau_syn_in': 3.0, 'I_e': 150.0, 'V_m': -70.0},
}
for name, params in models.items():
    with open(os.path.join('components/point_neuron_models', name), 'w') as f:
        json.dump(params, f, indent=2)
with open('components/synaptic_models/static.json', 'w') as f:
    json.dump({}, f)

circuit = {
    'manifest': {'$BASE_DIR': '${configdir}', '$NETWORK_DIR': '$BASE_DIR/network',
                 '$COMPONENTS_DIR': '$BASE_DIR/components'},
    'components': {'point_neuron_models_dir': '$COMPONENTS_DIR/point_neuron_models',
                   'synaptic_models_dir': '$COMPONENTS_DIR/synaptic_models'},
    'networks': {
        'nodes': [{'nodes_file': '$NETWORK_DIR/%s_nodes.h5' % p,
                   'node_types_file': '$NETWORK_DIR/%s_node_types.csv' % p}
                  for p in ('cortex', 'thalamus')],
        'edges': [{'edges_file': '$NETWORK_DIR/%s_cortex_edges.h5' % p,
                   'edge_types_file': '$NETWORK_DIR/%s_cortex_edge_types.csv' % p}
                  for p in ('cortex', 'thalamus')],
    },
}
simulation = {
    'manifest': {'$BASE_DIR': '${configdir}', '$OUTPUT_DIR': '$BASE_DIR/output'},
    'target_simulator': 'NEST',
    'run': {'tstart': 0.0, 'tstop': 1000.0, 'dt': 0.1},
    'inputs': {'thalamus_spikes': {'input_type': 'spikes', 'module': 'sonata',
                                   'input_file': '$BASE_DIR/inputs/thalamus_spikes.h5',
                                   'node_set': 'thalamus'}},
    'output': {'output_dir': '$OUTPUT_DIR', 'spikes_file': 'spikes.h5', 'log_file': 'log.txt'},
}
for name, content in (('circuit_config.json', circuit), ('simulation_config.json', simulation),
                      ('config.json', {'network': 'circuit_config.json',
                                       'simulation': 'simulation_config.json'})):
    with open(name, 'w') as f:
        json.dump(content, f, indent=2)

if '--nest' in sys.argv:
    from bmtk.simulator import pointnet
    configure = pointnet.Config.from_json('config.json')
    configure.build_env()
    network = pointnet.PointNetwork.from_config(configure)
    sim = pointnet.PointSimulator.from_config(configure, network)
    sim.run()
    import h5py
    with h5py.File('output/spikes.h5', 'r') as f:
        group = f['spikes']['cortex']
        ids = group['node_ids'][()]
    print('NEST rates: exc %.3f Hz, inh %.3f Hz' % (np.sum(ids < 80) / 80.0, np.sum(ids >= 80) / 20.0))
