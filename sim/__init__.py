"""alliance-sim: an agent-based model of alliance formation, budgets and the 'Asian NATO' question.

Layers (each imports only from those above it in this list):
    sim.core     pure numpy: payoffs, budget and alignment rules, landscape theory, Richardson,
                 coalition detection.
    sim.world    calibration tables, the world builder and the scenario events.
    sim.abm      the Mesa wiring: StateAgent and AllianceModel.
    sim.runner   configs, seeds, replicates, run folders and their tables.
    sim.plots    figures drawn from the run tables.
    sim.cli      the command-line faces.
"""

__version__ = "0.1.0"
