"""Run the model from a config: build the world and the events, seed, run, collect tables.

``simulate(cfg)`` is the one entry point used by the command line, the tests, the benchmark
and notebooks: the same config and seed give the same tables, however it is called.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import rules
from sim.abm.model import AllianceModel, Start, as_params
from sim.core import kernels
from sim.errors import UserError
from sim.runner.priors import apply, columns, draw, load_priors, required_priors, uses_priors
from sim.schema import LEVELS
from sim.validate import check_config
from sim.world.builder import World, build_world
from sim.world.events import Event, build_events
from sim.world.tables import known_codes


def replicate_seed(seed: int, replicate: int) -> int:
    """Seed of replicate ``replicate`` of a run seeded ``seed``.

    Child seeds come from numpy's ``SeedSequence(seed)`` spawn tree (the child with spawn key
    ``(replicate,)``, exactly what ``SeedSequence(seed).spawn(R)[replicate]`` gives), never
    ``seed + replicate``: children are statistically independent, and replicate r has the same
    seed however the replicates are split across jobs.
    """
    if seed < 0 or replicate < 0:
        raise UserError(
            f"seeds must be non-negative integers (got seed={seed}, replicate={replicate})"
        )
    child = np.random.SeedSequence(seed, spawn_key=(replicate,))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@dataclass
class Prepared:
    """A validated config turned into the model's inputs."""

    world: World
    events: list[Event]
    params: object
    scenario: str
    start: Start | None = None
    """The base year's calibration, kept from the first model run (``AllianceModel.start``):
    the later replicates take it over instead of calibrating again."""


def prepare(cfg, world: World | None = None) -> Prepared:
    """Validate a composed config and build the world and events.

    Args:
        cfg: the composed config.
        world: the world ``build_world(cfg.world)`` would build, when the caller already has it
            (a calibration that varies only model and scenario settings); every other check
            still runs.

    Raises:
        UserError: anything wrong with the config, in one line.
    """
    check_config(cfg)
    if uses_priors(cfg):  # every prior's path and range, before anything runs
        required_priors(cfg)
    else:  # unused, but still a prior: low <= high, a known scale
        load_priors(cfg, check=False)
    params = as_params(cfg.model)
    check_params(params)
    world = world if world is not None else build_world(cfg.world)
    events = build_events(cfg.scenario.events, world)
    pred = params.predicates
    named = [*pred.budget_states.values(), *pred.share_states.values()]
    for code in [
        pred.asian_nato_hub,
        *pred.asian_nato_candidates,
        *pred.link_asian,
        *pred.rivals,
        *named,
    ]:
        if code not in known_codes():
            raise UserError(f"unknown state '{code}' in model.predicates")
    first, last = world.base_year, world.base_year + params.horizon
    for year in cfg.run.network_years:
        if not first <= year <= last:
            raise UserError(f"run.network_years: {year} is outside the run ({first}-{last})")
    if pred.asian_nato_min > len(pred.asian_nato_candidates):
        raise UserError(
            f"model.predicates.asian_nato_min ({pred.asian_nato_min}) exceeds the number of "
            f"candidates ({len(pred.asian_nato_candidates)})"
        )
    for e in events:
        if not first < e.start_year <= last:
            raise UserError(
                f"scenario.events.{e.name}.start_year {e.start_year} is outside the simulated "
                f"years {first + 1}-{last}: the event would never act"
            )
    for code in cfg.run.key_states:
        if code not in known_codes() and code not in world.iso3:
            raise UserError(f"unknown state '{code}' in run.key_states")
    return Prepared(world, events, params, cfg.scenario.name)


ENGINES = ("reference", "compiled")
"""``model.engine``: the numpy reference, or the compiled kernels (sim/core/kernels.py)."""


def check_params(p) -> None:
    """Checks across parameters and of names (each number's own range is checked by
    ``sim.validate.check_numbers`` from the schema)."""
    b, s, a = p.budget, p.security, p.alignment
    checks = [
        (
            len(s.level_weights) == 4,
            "model.security.level_weights needs 4 values (none, alignment, partnership, formal)",
        ),
        (
            list(s.level_weights) == sorted(s.level_weights),
            "model.security.level_weights must not decrease",
        ),
        (
            b.min_pct_gdp <= b.max_pct_gdp,
            "model.budget needs min_pct_gdp <= max_pct_gdp",
        ),
        (
            a.rule in rules.RULES,
            f"model.alignment.rule '{a.rule}' is unknown; use one of {', '.join(rules.RULES)}",
        ),
        (len(a.landscape_thresholds) == 3, "model.alignment.landscape_thresholds needs 3 values"),
        (
            p.engine in ENGINES,
            f"model.engine '{p.engine}' is unknown; use one of {', '.join(ENGINES)}",
        ),
        (
            p.predicates.link_min_level in LEVELS,
            f"model.predicates.link_min_level must be one of {', '.join(LEVELS)}",
        ),
    ]
    for ok, message in checks:
        if not ok:
            raise UserError(message)


def run_model(prepared: Prepared, seed: int) -> AllianceModel:
    """Build and run one model to its horizon."""
    model = AllianceModel(
        prepared.world,
        prepared.params,
        prepared.events,
        rng=seed,
        scenario_name=prepared.scenario,
        start=prepared.start,
    )
    prepared.start = model.start
    model.run()
    return model


def drawn(
    cfg, replicate: int, prepared: Prepared | None = None
) -> tuple[object, Prepared, dict[str, float]]:
    """Replicate ``replicate`` of a config with ``run.uncertainty=priors``: the config with its
    draw from the priors set in (``sim.runner.priors``), prepared, and the summary columns
    ``prior.<path>`` that record the draw.

    Args:
        prepared: ``prepare(cfg)``, whose world is reused when no prior sets a world key.

    Raises:
        UserError: the priors are wrong, or the draw breaks a check across settings.
    """
    priors = required_priors(cfg)
    values = draw(priors, int(cfg.seed), [replicate])[0]
    run_cfg = apply(cfg, priors, values)
    keep_world = prepared is not None and not any(p.path.startswith("world.") for p in priors)
    try:
        run_prepared = prepare(run_cfg, prepared.world if keep_world else None)
    except UserError as exc:
        raise UserError(f"replicate {replicate}'s draw from the priors: {exc}") from None
    return run_cfg, run_prepared, columns(priors, values)


def simulate(cfg, replicate: int = 0, prepared: Prepared | None = None) -> dict[str, pd.DataFrame]:
    """Run one replicate of a config and return its tables (see docs/outputs.md).

    With ``run.uncertainty=priors`` the replicate first draws its parameters from the priors
    (:func:`drawn`); its model seed is the same either way.

    Args:
        cfg: the composed config.
        replicate: which replicate (its seed is ``replicate_seed(cfg.seed, replicate)``).
        prepared: the output of ``prepare(cfg)``, to skip rebuilding it.

    Returns:
        The tables ``actors, states, ties, alliances, events, summary``; the summary holds the
        seed the model used and the replicate number (and, with priors, a column
        ``prior.<path>`` per prior with the value drawn).
    """
    recorded: dict[str, float] = {}
    if uses_priors(cfg):
        cfg, prepared, recorded = drawn(cfg, replicate, prepared)
    prepared = prepared or prepare(cfg)
    seed = replicate_seed(int(cfg.seed), replicate)
    model = run_model(prepared, seed)
    tables = model.recorder.tables(
        seed=seed, replicate={"base_seed": int(cfg.seed), "replicate": replicate}
    )
    for column, value in recorded.items():
        tables["summary"][column] = value
    return tables


WARM_PARTS = ("decisions", "scores")
"""The two halves of the kernels' compile that ``warm_kernels`` compiles in two processes at
once: the decision kernel and the recorder's current terms, which both call the decisions'
scorer (``_jit.changed_terms``: one process compiles it once), in "decisions"; the rest of
what a compiled model's construction calls in "scores": first the decision kernel's budget
decision (``_warm_budget``, which the "decisions" half then loads from the cache instead of
compiling it into the decision kernel), then the year's context kernel, the what-if scorer
(which also scores the calibration's single-tie changes below ``payoffs.SINGLE_TIE_MIN_STATES``
states) and the budget's best response. From a fresh cache on 2 cores, three runs interleaved
with the arrangement before (3 Dec 2026, a fast hour of this virtual machine): 11.5-12.2 s
against 13.2-14.6 s. Before, the context kernel was in the first half and the recorder's terms
in the second, so both compiled the decisions' scorer, and the decision kernel its budget. The
calibration's own single-tie scorer of large worlds (``kernels.single_module``, about 5 s of
compiling) is no longer in the warm: the first world that large compiles it.
"""


CHILD_TIMEOUT_S = 900
"""How long ``warm_kernels`` waits for its child process (10-17 s of compiling on two idle
cores; this allows for a machine many times slower or busier)."""


def warm_kernels(part: str = "all") -> float:
    """Compile the compiled engine's kernels, or load them from numba's on-disk cache, as a run
    of the class world calls them: the setup (``scripts/bootstrap.sh``) calls this once, so that
    the first run after an install does not wait for the compiler. Returns the seconds it took.

    Args:
        part: ``"all"`` compiles the two halves of ``WARM_PARTS`` at once, one in a child
            process and one in this one (numba compiles in one thread: on 2 cores this halves
            the wait); ``"decisions"`` or ``"scores"`` compiles that half here.

    Raises:
        RuntimeError: the child process failed (its output is in the message).
        subprocess.TimeoutExpired: the child took longer than ``CHILD_TIMEOUT_S`` (it is
            stopped, as it is when this process's half fails).
    """
    import subprocess
    import time

    global _kernels_ensured
    _kernels_ensured = True  # this process is the warm: the cold-cache hook does nothing
    start = time.perf_counter()
    if part not in ("all", *WARM_PARTS):
        raise ValueError(f"part must be 'all' or one of {WARM_PARTS}, not {part!r}")
    if part != "all":
        with cache_entries_in_turn(os.environ.get(WARM_LOCK_ENV)):
            _warm(part)
        return time.perf_counter() - start
    if not kernels.cache_complete():  # the setup's one line (ensure_kernels hides the child's)
        print(kernels.COMPILING_NOTICE, file=sys.stderr, flush=True)
    lock_path, temporary = _entries_lock()
    try:
        code = "from sim.runner.simulate import warm_kernels; warm_kernels('decisions')"
        child = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, WARM_LOCK_ENV: lock_path},
        )
        try:
            with cache_entries_in_turn(lock_path):
                _warm("scores")
            output, _ = child.communicate(timeout=CHILD_TIMEOUT_S)
        except BaseException:  # this half failed, or was interrupted, or the child hangs
            child.kill()
            child.communicate()
            raise
    finally:
        if temporary:
            os.unlink(lock_path)  # the lock file this call created
    if child.returncode != 0:
        text = output.decode(errors="replace")
        raise RuntimeError(f"compiling the decision kernel failed:\n{text}")
    kernels.mark_cache_complete()  # both halves done: what ensure_kernels looks for
    return time.perf_counter() - start


WARM_LOCK_FILE = "alliance-sim-warm.lock"
"""The lock file, in numba's cache folder, that ``ensure_kernels`` holds while it compiles."""
ENTRIES_LOCK_FILE = "alliance-sim-entries.lock"
"""The lock file, in numba's cache folder, through which the two halves of ``warm_kernels``
take turns with numba's cache entries (``cache_entries_in_turn``)."""


def _cache_lock_file(name: str) -> Path | None:
    """The lock file ``name`` in numba's cache folder, made if need be and kept there (a
    process stopped by a signal leaves nothing to clean up), or None when the folder cannot
    take it."""
    lock = kernels.cache_folder() / name
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.touch()
    except OSError:
        return None
    return lock


def _entries_lock() -> tuple[str, bool]:
    """The lock file of ``cache_entries_in_turn`` for a warm, and whether it is a temporary
    file the caller must remove: ``ENTRIES_LOCK_FILE`` in numba's cache folder (a warm stopped
    by a signal, as an interrupted first run stops it, leaves nothing behind in the temporary
    folder), or a temporary file when the cache folder cannot take it."""
    import tempfile

    lock = _cache_lock_file(ENTRIES_LOCK_FILE)
    if lock is not None:
        return str(lock), False
    fd, path = tempfile.mkstemp(prefix="alliance-sim-warm-", suffix=".lock")
    os.close(fd)
    return path, True


_kernels_ensured = False  # whether this process has run ensure_kernels
_ensure_lock = threading.Lock()  # the page's sessions: one thread compiles, the others wait


def ensure_kernels() -> None:
    """The kernels' hook for a cold cache (``kernels.on_cold_cache``, registered below): when
    a process first needs the kernels and the setup's warm has not finished in numba's cache
    folder (``kernels.cache_complete``; a plain ``pip install`` has no warm), compile them as
    the setup does (``warm_kernels``: two processes at once, not one), in processes of their
    own (this one, perhaps a Hydra job, keeps its state), under an exclusive lock on
    ``WARM_LOCK_FILE`` in the cache folder. Processes that start on a cold cache (a sweep's
    workers) take turns: the first compiles, the others wait for it and load the cache,
    instead of compiling the same kernels side by side and writing the same cache entries at
    once; threads of one process (the page's sessions) wait for the first. Nothing is done
    within a warm's own processes or in a process that has done it already. Without POSIX
    locks, or when the lock file cannot be created, or when the warm fails (a line on stderr
    says so), the process compiles what it needs itself, as before."""
    global _kernels_ensured
    if os.environ.get(WARM_LOCK_ENV):
        return
    with _ensure_lock:
        if _kernels_ensured:
            return
        _kernels_ensured = True
        if kernels.cache_complete():
            return
        try:
            import fcntl
        except ImportError:  # not POSIX
            fcntl = None
        lock = _cache_lock_file(WARM_LOCK_FILE)
        if fcntl is None or lock is None:
            print(kernels.COMPILING_NOTICE, file=sys.stderr, flush=True)
            return
        with open(lock, "a") as handle:  # the lock held across the compile
            fcntl.flock(handle, fcntl.LOCK_EX)
            if kernels.cache_complete():  # compiled meanwhile by the lock's holder
                return
            print(kernels.COMPILING_NOTICE, file=sys.stderr, flush=True)
            _warm_in_a_child()


kernels.on_cold_cache(ensure_kernels)


WARM_CODE = "from sim.runner.simulate import warm_kernels; warm_kernels()"
"""What ``_warm_in_a_child`` runs."""


def _warm_in_a_child(code: str = WARM_CODE) -> bool:
    """``warm_kernels()`` in a new process (which compiles one half itself and the other in a
    child of its own), with this process's import path; its output is shown only if it
    fails. Interrupted or out of time, both processes are stopped (they run in a process
    group of their own). Returns whether it succeeded."""
    import signal
    import subprocess

    path = os.pathsep.join(p or os.getcwd() for p in sys.path)
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": path},
        start_new_session=True,
    )
    try:
        output, _ = child.communicate(timeout=CHILD_TIMEOUT_S)
    except BaseException as exc:  # interrupted, or too slow: stop the warm and its half
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        if not isinstance(exc, subprocess.TimeoutExpired):
            raise
        output = f"no end after {CHILD_TIMEOUT_S} s".encode()
    if child.returncode == 0:
        return True
    lines = output.decode(errors="replace").strip().splitlines() or ["no output"]
    print(
        f"alliance-sim: compiling the kernels in two processes failed ({lines[-1]}); this "
        "run compiles what it needs itself",
        file=sys.stderr,
        flush=True,
    )
    return False


WARM_LOCK_ENV = "ALLIANCE_SIM_WARM_LOCK"
"""The environment variable that gives ``warm_kernels``' child the lock file of
``cache_entries_in_turn``."""


@contextmanager
def cache_entries_in_turn(lock_path: str | None):
    """While in the block, this process reads and writes numba's cache entries only under an
    exclusive lock on ``lock_path`` (nothing when None, or without POSIX locks).

    numba saves a compiled function by reading the function's index, picking the first free
    data file and writing both (``numba.core.caching.IndexDataCacheFile.save``). Two processes
    that compile one function for different argument types at the same moment (the two halves
    of ``warm_kernels`` both compile ``_jit.earned``) can both pick data file 1, and the index
    of one would then name the other's machine code. Taking turns for each entry, through one
    lock both halves hold, rules that out."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        fcntl = None
    if lock_path is None or fcntl is None:
        yield
        return
    from numba.core import caching

    entry = caching.IndexDataCacheFile
    originals = {name: getattr(entry, name) for name in ("save", "load")}
    fd = os.open(lock_path, os.O_RDONLY)  # flock needs no write access

    def in_turn(method):
        def locked(self, *args, **kwargs):
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                return method(self, *args, **kwargs)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

        return locked

    for name, method in originals.items():
        setattr(entry, name, in_turn(method))
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(entry, name, method)
        os.close(fd)


class _TermsByReference(AllianceModel):
    """A compiled model whose recorded utility terms are computed by the reference: the warm's
    "scores" half leaves the recorder's terms kernel (which compiles the decisions' scorer) to
    the "decisions" half."""

    compiled_terms = False


def _warm(part: str) -> None:
    """Compile (or load) one half of the kernels (``warm_kernels``)."""
    from sim.runner.config import compose

    overrides = ["world=classroom5", "model.horizon=2"]
    if part == "scores":  # a compiled model's construction: contexts, calibration (what-ifs)
        _warm_budget(overrides)
        prepared = prepare(compose([*overrides, "model.engine=compiled"]))
        model = _TermsByReference(prepared.world, prepared.params, prepared.events, rng=0)
        model.recorder.tables()
        model.view.budget_inputs(0).best_response()  # a budget decided in Python (the class game)
        return
    # the states' decisions by the kernel compile it, and the recorder's terms the same scorer
    # (one process compiles it once)
    model, decisions = _reference_decisions(overrides)
    kernels.current_terms(model.ctx)  # first: the other half compiles the budget meanwhile
    for agent in model.by_index:
        decisions.decide(agent)


def _reference_decisions(overrides: list[str]):
    """A reference model of ``overrides`` (numpy alone builds it: nothing compiles) at the
    start of its first year, and the compiled decisions of its states."""
    from sim.abm.compiled import CompiledDecisions
    from sim.runner.config import compose

    prepared = prepare(compose([*overrides, "model.engine=reference"]))
    model = AllianceModel(prepared.world, prepared.params, prepared.events, rng=0)
    decisions = CompiledDecisions(model, kernels.pcg64_state(model.random_np))
    model.begin_year()
    return model, decisions


def _warm_budget(overrides: list[str]) -> None:
    """The decision kernel's budget decision (``_jit_decision.budget``), compiled on its own
    and saved to the cache first thing in the warm's "scores" half: the "decisions" half,
    compiling the recorder's terms meanwhile, then loads it when the decision kernel calls it
    instead of compiling it too (if it comes first, it compiles it itself; nothing else
    changes)."""
    _, decisions = _reference_decisions(overrides)
    decisions._refresh()
    arrays, _, _, _, budget = decisions._args
    kernels.decision_module().budget(0, arrays, budget, decisions.settings, decisions.out_budget)
