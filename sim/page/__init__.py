"""The interactive classroom page: Mesa's SolaraViz around the model the command line runs.

``alliance-sim-page`` (:mod:`sim.page.cli`) starts it; :mod:`sim.page.model` builds the model
from the project's Hydra configs; :mod:`sim.page.app` lays out the page.
"""
