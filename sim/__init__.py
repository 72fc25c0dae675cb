"""alliance-sim: an agent-based model of alliance formation, budgets and the 'Asian NATO' question.

Floors (each imports only from those above it in this list; tests/test_layers.py checks it):
    sim.errors, sim.schema      the user-facing error; the config types and their ranges.
    sim.files, sim.stats, sim.validate, sim.outcomes
                                atomic writes and the folder marker; intervals; the config's
                                numbers checked; the outcomes, defined once.
    sim.core     pure numpy: payoffs, budget and alignment arithmetic, landscape theory,
                 Richardson, coalition detection.
    sim.world    calibration tables, the world builder and the scenario event kinds.
    sim.rules    the alignment rules, one registered class per file.
    sim.abm      the Mesa wiring: StateAgent and AllianceModel.
    sim.plots    figures drawn from the run tables.
    sim.runner   configs, seeds, replicates, run and sweep folders and their tables.
    sim.study    the experiments' harness.
    sim.cli, sim.demos, sim.page   the commands, the classroom demos and page.
"""

import os as _os

# One BLAS thread per process: the model's matrices are small, where BLAS threads cost more than
# they give (a 100 x 100 product took 24 ms with two threads on a busy 2-core machine, 0.07 ms
# with one), and sweeps get their parallelism from processes (Hydra's launchers). Takes effect
# when numpy is imported after ``sim``; set the variables yourself to choose otherwise.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
