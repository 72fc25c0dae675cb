"""The world: calibration tables, the builder that turns them and the config into arrays, and the
scenario events. Depends on ``sim.core`` and ``sim.schema`` only."""
