"""The Mesa wiring: ``StateAgent`` (one per state) and ``AllianceModel`` (the world, its year)."""

from sim.abm.agents import StateAgent
from sim.abm.model import AllianceModel

__all__ = ["AllianceModel", "StateAgent"]
