"""Classroom game-theory demos: one small, self-explaining model per module.

Each demo module has a ``run(out_dir, ...)`` function that computes its numbers, writes its
figures (atomically) into ``out_dir`` and returns a :class:`~sim.demos.base.DemoResult` holding
the plain-words explanation, the key numbers and the figure paths. ``alliance-sim-demo NAME``
(``sim.demos.cli``) prints the explanation and the paths; notebooks and tests call ``run``
directly. The registry of demos is :data:`sim.demos.registry.DEMOS`.
"""
