"""Compiled kernels (numba) of the payoff functions in ``sim.core.payoffs``: the first piece of
the compiled engine (issue #11).

Each kernel computes what its numpy reference computes, for one state's candidate rows, with
plain loops that numba compiles to machine code; the numpy functions stay the reference (the
oracle) and ``tests/test_kernels.py`` holds the two equal to 1e-12 on the model's own contexts
and on random ones. ``alignment_terms(agent, rows, ctx)`` is the entry point, with the
signature of ``sim.core.payoffs.alignment_terms`` for a single state. ``tie_change_terms``
scores a state's single-tie changes as whole rows would, to the bit, in O(ties + rivals) an
option (the calibration's scorer in worlds of ``payoffs.SINGLE_TIE_MIN_STATES`` states or more,
``sim.core._jit_single``).

Compiled code is cached on disk beside this file (numba's ``cache=True``; in a read-only
install numba uses its user cache folder), so only the first call after an install compiles.
numba is imported when a kernel is first called, never at import, so that commands that only
parse options or report an error do not wait for it.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

import numpy as np

CACHED_MODULES = ("_jit", "_jit_decision", "_jit_single", "_jit_context")
"""The modules whose kernels numba caches on disk."""

WARMED_FILE = "alliance-sim-warmed"
"""The file, in numba's cache folder, that says the setup's warm finished there: it holds the
``cache_stamp`` of the kernels it compiled (``mark_cache_complete``)."""


def _folder_of(jit) -> Path:
    """Numba's cache folder of the kernels' module ``jit`` (``__pycache__`` beside it when
    numba does not compile, ``NUMBA_DISABLE_JIT=1``)."""
    function_cache = getattr(jit.terms, "_cache", None)
    path = getattr(function_cache, "cache_path", None)
    return Path(path) if path else Path(__file__).with_name("__pycache__")


def cache_stamp() -> str:
    """What the compiled kernels depend on: numba's version and the source of every module of
    ``CACHED_MODULES`` (a hash; numba itself compiles again when a source changes)."""
    import hashlib

    import numba

    digest = hashlib.sha256(numba.__version__.encode())
    for name in CACHED_MODULES:
        digest.update(Path(__file__).with_name(f"{name}.py").read_bytes())
    return digest.hexdigest()


COMPILING_NOTICE = "alliance-sim: compiling the payoff kernels (once after an install; cached)"
"""The line on stderr when a process compiles the kernels."""
SINGLE_TIE_NOTICE = (
    "alliance-sim: compiling the single-tie scorer of large worlds (once after an install; cached)"
)
"""The line on stderr when a process compiles ``single_module`` (not in the setup's warm)."""

_cold_cache_hook = None  # what runs before a process compiles on a cold cache (on_cold_cache)


def on_cold_cache(hook) -> None:
    """Have ``hook()`` run when a process first needs the kernels and the cache lacks them
    (before anything compiles here; ``sim.runner.simulate`` registers ``ensure_kernels``,
    which compiles them in processes of its own). Without a hook the process says so on
    stderr (``COMPILING_NOTICE``) and compiles them itself."""
    global _cold_cache_hook
    _cold_cache_hook = hook


def _jit_module():
    """``sim.core._jit``: importing it imports numba; nothing compiles until a kernel is
    called."""
    from sim.core import _jit

    return _jit


@cache
def _compiled():
    """The kernels' module, on first use: a cold cache (``cache_complete``) is first handed
    to the hook of ``on_cold_cache``, or announced on stderr; the kernels compile, or load
    from the cache, when first called."""
    jit = _jit_module()
    if not cache_complete():
        if _cold_cache_hook is not None:
            _cold_cache_hook()
        else:
            print(COMPILING_NOTICE, file=sys.stderr, flush=True)
    return jit


def _warmed(folder: Path) -> bool:
    """Whether ``folder`` holds the mark of a finished warm of these kernels."""
    try:
        return (folder / WARMED_FILE).read_text(encoding="utf-8") == cache_stamp()
    except OSError:
        return False


def cache_folder() -> Path:
    """Where numba keeps the kernels' compiled code: ``__pycache__`` beside them, numba's user
    cache folder when that is not writable (a read-only install), or ``NUMBA_CACHE_DIR``."""
    return _folder_of(_jit_module())


def cache_complete() -> bool:
    """Whether the setup's warm (``sim.runner.simulate.warm_kernels``) finished in numba's
    cache folder for these very kernels (then a run loads them in a second or two; else the
    process compiles them first, ``on_cold_cache``). Index files alone do not say it: a warm
    under way writes some long before it ends."""
    return _warmed(cache_folder())


def mark_cache_complete() -> None:
    """Record in numba's cache folder that a warm of these kernels finished there (written
    whole or not at all: a temporary file renamed)."""
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{WARMED_FILE}.{os.getpid()}"
    temporary.write_text(cache_stamp(), encoding="utf-8")
    os.replace(temporary, folder / WARMED_FILE)


@cache
def decision_module():
    """The whole-decision kernel's module (``sim.core._jit_decision``), imported on first use."""
    _compiled()
    from sim.core import _jit_decision

    return _jit_decision


@cache
def single_module():
    """The single-tie scorer's module (``sim.core._jit_single``), imported on first use. Only
    worlds of at least ``payoffs.SINGLE_TIE_MIN_STATES`` states call it, so the setup's warm
    does not compile it: the first such world in a process whose cache lacks it says so on
    stderr (``SINGLE_TIE_NOTICE``) and compiles it (about 5 s, once; cached)."""
    _compiled()
    if not any(cache_folder().glob("_jit_single.tie_change_terms-*.nbi")):
        print(SINGLE_TIE_NOTICE, file=sys.stderr, flush=True)
    from sim.core import _jit_single

    return _jit_single


@cache
def context_module():
    """The year's context kernel's module (``sim.core._jit_context``), imported on first use."""
    _compiled()
    from sim.core import _jit_context

    return _jit_context


def frozen(values, dtype=float) -> np.ndarray:
    """``values`` as a row-major, read-only array of ``dtype``: no copy when it is one already
    but for the flag (a view). numba compiles a kernel for each type of array it is given,
    read-only and writable apart; the model's arrays are one or the other depending on its
    history (the relationship values a sweep's models share are read-only), so
    ``year_context`` gives its kernel read-only ones only, the type the setup compiles.

    Examples:
        >>> a = np.zeros(3)
        >>> v = frozen(a)
        >>> v.flags.writeable, a.flags.writeable, np.shares_memory(a, v)
        (False, True, True)
    """
    view = np.ascontiguousarray(values, dtype=dtype).view()
    view.flags.writeable = False
    return view


CONTEXT_INTEGERS = {7: np.int8}
"""The integer arrays among ``_jit_context.year_context``'s arguments, by position: the levels
in force."""


def year_context(*args) -> tuple:
    """``sim.core._jit_context.year_context`` of ``args`` (in its order): each array as a
    read-only array of the kernel's type (``frozen``), each number as a float, so that every
    call uses the one compiled version."""
    typed = [
        frozen(x, CONTEXT_INTEGERS.get(k, float)) if np.ndim(x) else float(x)
        for k, x in enumerate(args)
    ]
    return context_module().year_context(*typed)


def pcg64_state(rng: np.random.Generator) -> np.ndarray | None:
    """The state of ``rng``'s PCG64 bit generator as four uint64 words (state low, state high,
    increment low, increment high) that alias the generator's own memory, so that a kernel
    drawing from them advances ``rng`` itself (``_jit_decision.next_double``); None when the
    generator is not a PCG64 laid out that way (the caller then draws in Python). The array is
    valid while ``rng`` lives.

    Examples:
        >>> rng = np.random.default_rng(7)
        >>> words = pcg64_state(rng)
        >>> state = rng.bit_generator.state["state"]["state"]
        >>> int(words[0]) + (int(words[1]) << 64) == state
        True
    """
    import ctypes

    generator = rng.bit_generator
    if type(generator).__name__ != "PCG64":
        return None
    address = ctypes.cast(generator.ctypes.state_address, ctypes.POINTER(ctypes.c_void_p))[0]
    words = np.ctypeslib.as_array((ctypes.c_uint64 * 4).from_address(address))
    expected = generator.state["state"]
    seen = (int(words[0]) + (int(words[1]) << 64), int(words[2]) + (int(words[3]) << 64))
    return words if seen == (expected["state"], expected["inc"]) else None


def hostile_lists(hostility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The states each state is hostile to, as sparse rows: ``rivals[first[j]:first[j + 1]]``
    are the q with ``hostility[j, q] != 0`` (``_jit.tie_terms`` walks only these). Empty
    arrays when the hostility has NaN (the kernels then score whole rows, which keep it).

    Examples:
        >>> first, rivals = hostile_lists(np.array([[0.0, 0.5, 0.0], [0.5, 0.0, 0.2], [0, 0.2, 0]]))
        >>> first.tolist(), rivals.tolist()
        ([0, 1, 3, 4], [1, 0, 2, 1])
    """
    h = np.asarray(hostility, dtype=float)
    if np.isnan(h).any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows, cols = np.nonzero(h)
    first = np.searchsorted(rows, np.arange(h.shape[0] + 1)).astype(np.int64)
    return first, cols.astype(np.int64)


def _pairs(values, shape: tuple[int, ...]) -> np.ndarray:
    """``values`` (per pair, or per ally) as a row-major float array of ``shape``: the array
    itself when it is one already (no copy of an (n, n) array), else a broadcast copy."""
    values = np.asarray(values, dtype=float)
    if values.shape == shape and values.flags.writeable:
        return np.ascontiguousarray(values)
    return np.broadcast_to(values, shape).copy()


def context_arrays(ctx) -> tuple[tuple, tuple]:
    """A ``payoffs.AlignmentContext`` as the kernels' arguments: its arrays (in a fixed order,
    with the types numba compiles for) and its scalars."""
    excess = ctx.excess if ctx.coercers.size else np.zeros((ctx.theta.size, 0, ctx.theta.size))
    at_risk = ctx.at_risk if ctx.coercers.size else np.zeros((ctx.theta.size, 0))
    c = np.ascontiguousarray  # row-major, so that a state's row is read in order
    arrays = (
        c(ctx.theta, dtype=float),
        c(ctx.own, dtype=float),
        c(ctx.threat, dtype=float),
        c(ctx.base, dtype=float),
        _pairs(ctx.credibility, ctx.base.shape),
        c(ctx.level_weight, dtype=float),
        c(ctx.linear, dtype=float),
        c(ctx.hostility, dtype=float),
        c(ctx.stakes, dtype=float),
        c(ctx.dependence, dtype=float),
        c(at_risk, dtype=float),
        c(excess, dtype=float),
        c(ctx.levels, dtype=np.int8),  # the model's own (no n x n copy: 10,000 states)
        c(ctx.aid_offer, dtype=float),
        c(ctx.aid_min_level, dtype=np.int64),
        c(ctx.aid_min_partners, dtype=np.int64),
        c(ctx.aid_capability, dtype=float),
        c(ctx.aid_cash, dtype=float),
        c(ctx.aid_from_defence, dtype=np.bool_),
        c(ctx.gdp, dtype=float),
        *(ctx.rival_lists or hostile_lists(ctx.hostility)),
    )
    scalars = (
        float(ctx.autonomy_weight),
        float(ctx.depreciation),
        float(ctx.side_payment_weight),
    )
    return arrays, scalars


def dense_scoring(arrays: tuple) -> bool | None:
    """The decision kernels' ``dense`` argument for the context ``arrays``: True to score whole
    rows (the hostility has NaN: no sparse lists, ``hostile_lists``), None to score changes of
    the row in force. numba compiles the kernels for one of the two, and only the scorer it
    needs (``_jit_decision.score``).

    Examples:
        >>> dense_scoring((None,) * 20 + hostile_lists(np.array([[0.0, np.nan], [0.5, 0.0]])))
        True
    """
    return None if arrays[20].size else True


def best_response(
    theta: float,
    allied: tuple[float, ...],
    threat: float,
    capability_per_share: float,
    lower: float,
    upper: float,
    target: float,
    target_weight: float,
    private: float,
    probs: tuple[float, ...],
    smoothing: float,
) -> float:
    """``sim.core.budget.best_response_scalar`` (with its lottery ``probs``), compiled.

    Examples:
        >>> from sim.core import budget
        >>> lottery = ((300.0, 0.0), (0.8, 0.2))
        >>> args = (0.05, lottery[0], 900.0, 500.0, 0.005, 0.1, 0.02, 0.1, 0.3, lottery[1], 0.0025)
        >>> best_response(*args) == budget.best_response_scalar(*args)
        True
    """
    return float(
        _compiled().best_response(
            float(theta),
            np.asarray(allied, dtype=float),
            np.asarray(probs, dtype=float),
            float(threat),
            float(capability_per_share),
            float(lower),
            float(upper),
            float(target),
            float(target_weight),
            float(private),
            float(smoothing),
        )
    )


def current_terms(ctx) -> np.ndarray:
    """(n, 7) ``sim.core.payoffs.alignment_terms`` of every state's row in force
    (``ctx.levels``), compiled: O(n s) a state over the sparse hostility."""
    arrays, scalars = ctx.kernel_arguments
    return decision_module().current_terms(arrays, scalars, dense_scoring(arrays))


def alignment_terms(agent: int, rows: np.ndarray, ctx) -> np.ndarray:
    """``sim.core.payoffs.alignment_terms`` for the candidate rows of one state, compiled.

    Args:
        agent: the state.
        rows: (m, n) its candidate commitment rows (levels 0-3).
        ctx: the year's ``payoffs.AlignmentContext``.

    Returns:
        (m, 7) utility terms, fraction of GDP per year.
    """
    arrays, scalars = ctx.kernel_arguments  # converted once per context (a year's decisions)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if rows.size and (rows.min() < 0 or rows.max() >= len(arrays[5])):
        raise IndexError(f"commitment levels must lie in 0-{len(arrays[5]) - 1}")
    return _compiled().terms(int(agent), rows, arrays, scalars)


def tie_change_terms(
    agent: int, row: np.ndarray, partners: np.ndarray, new_levels: np.ndarray, ctx
) -> np.ndarray | None:
    """(m + 1, 7) ``alignment_terms`` of state ``agent``'s row ``row`` (row 0), which must be
    its row in force, and of each single-tie change of it (row k: the tie with
    ``partners[k - 1]`` at ``new_levels[k - 1]``),
    the very floats ``alignment_terms(agent, rows, ctx)`` gives for these whole rows, in
    O(n + m (ties + rivals)) instead of O(m n) (``sim.core._jit_single``: the same sums in the
    same order, the entries that add an exact zero left out). None where that does not hold,
    and the caller scores whole rows: side payments offered, a hostility or level weights that
    are not finite or a hostility below 0 (``AlignmentContext.sparse_exact``), a row other
    than the one in force, a partner or level out of range, or non-finite entries in the
    state's rows of the context.

    Examples:
        >>> from sim.core import payoffs
        >>> ctx = payoffs.AlignmentContext(
        ...     theta=np.ones(3), own=np.ones(3), threat=np.ones(3), base=np.ones((3, 3)),
        ...     credibility=np.full((3, 3), 0.5), level_weight=np.array([0.0, 0.2, 0.5, 1.0]),
        ...     linear=np.zeros((3, 3, 3)), hostility=np.zeros((3, 3)), stakes=np.zeros((3, 3)),
        ...     dependence=np.full((3, 3), 0.5), autonomy_weight=0.0, coercers=np.zeros(0),
        ...     at_risk=np.zeros((3, 0)), excess=np.zeros((3, 0, 3)),
        ...     levels=np.zeros((3, 3), dtype=int), aid_offer=np.zeros((3, 3)),
        ...     aid_min_level=np.zeros(3, dtype=int), aid_min_partners=np.zeros(3, dtype=int),
        ...     aid_capability=np.zeros(3), aid_cash=np.zeros(3),
        ...     aid_from_defence=np.zeros(3, dtype=bool), gdp=np.ones(3), engine="compiled")
        >>> rows = np.array([[0, 0, 0], [0, 3, 0]])
        >>> bool((tie_change_terms(0, rows[0], np.array([1]), np.array([3]), ctx)
        ...       == alignment_terms(0, rows, ctx)).all())
        True
    """
    arrays, scalars = ctx.kernel_arguments
    n, top = arrays[12].shape[1], len(arrays[5]) - 1
    partners = np.ascontiguousarray(partners, dtype=np.int64)
    new_levels = np.ascontiguousarray(new_levels, dtype=np.int64)
    if partners.ndim != 1 or new_levels.shape != partners.shape:
        return None
    if not np.array_equal(row, arrays[12][agent]):  # the row the kernel scores around
        return None
    inside = partners.size == 0 or (
        partners.min() >= 0
        and partners.max() < n
        and 0 <= new_levels.min() <= new_levels.max() <= top
    )
    if not (inside and ctx.sparse_exact):
        return None
    out = single_module().tie_change_terms(int(agent), partners, new_levels, arrays, scalars)
    return out if len(out) else None
