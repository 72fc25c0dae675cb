"""A process pool over tasks: results come back in the order of the tasks, whatever order the
workers finish in, so a study's tables do not depend on the number of processes; a progress
bar is shown only when stderr is a terminal."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterable
from typing import Any


def _call(job: tuple[Callable[[Any], Any], int, Any]) -> tuple[int, Any]:
    fn, index, task = job
    return index, fn(task)


def run_tasks(
    fn: Callable[[Any], Any],
    tasks: Iterable[Any],
    workers: int = 1,
    desc: str = "runs",
    chunksize: int = 1,
) -> list[Any]:
    """``[fn(task) for task in tasks]``, over ``workers`` processes (``spawn``; one: in this
    process). ``fn`` must be a module-level function (it is pickled by name).

    Returns:
        The results, in the order of ``tasks``.
    """
    from tqdm import tqdm

    tasks = list(tasks)
    results: list[Any] = [None] * len(tasks)
    bar = tqdm(total=len(tasks), desc=desc, unit="task", disable=not sys.stderr.isatty())
    try:
        if workers <= 1:
            for index, task in enumerate(tasks):
                results[index] = fn(task)
                bar.update()
        else:
            jobs = [(fn, index, task) for index, task in enumerate(tasks)]
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                for index, result in pool.imap_unordered(_call, jobs, chunksize=chunksize):
                    results[index] = result
                    bar.update()
    finally:
        bar.close()
    return results
