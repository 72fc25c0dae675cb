"""The experiments' harness (``experiments/*/run.py``): what every study needs, once.

- :mod:`sim.study.config`: an experiment's ``config.yaml``, with ``quick.yaml`` laid over it
  for the quick mode;
- :mod:`sim.study.pool`: a process pool over tasks, results in task order, a progress bar on a
  terminal;
- :mod:`sim.study.results`: the results folder (claimed, tables, seeds, resolved config,
  figures through :func:`sim.plots._common.save_figure`, the manifest written last);
- :mod:`sim.study.metrics`: the scores and intervals the studies report (scipy's Spearman,
  :mod:`sim.stats` for intervals) and the outcomes they read from :mod:`sim.outcomes`.

Each study's own logic lives in a module named after it: :mod:`sim.study.asian_nato` (with
:mod:`sim.study.asian_nato_priors`, its part over the judgement parameters' priors),
:mod:`sim.study.backtest`, :mod:`sim.study.sensitivity` (with ``*_report`` modules for its
figures and Markdown report). The studies' judgement parameters and their ranges are the priors
group's (``configs/priors``, :mod:`sim.runner.priors`).
"""
