"""Alliance commitment as an assurance game (stag hunt), and what a side payment does to it.

A patron (row) and a reluctant partner (column) each commit to an alliance or hedge. Committing
pays best if the other commits too (the stag); hedging pays a safe amount whatever the other
does (the hare); committing alone is the worst outcome (abandonment). The game has two pure
equilibria, (commit, commit) and (hedge, hedge), and a mixed one in which each side is exactly
indifferent (Skyrms 2004 on the stag hunt; Snyder 1984 on abandonment and entrapment in
alliances).

A side payment ``s`` from the patron to the partner, paid whenever the partner commits, adds
``s`` to the partner's commit row and subtracts it from the patron's payoffs in the same cells.
It leaves the patron's own threshold unchanged and lowers the partner's: the probability of
the patron committing that the partner needs before it commits falls linearly, and the
cooperative equilibrium's basin of attraction (two-population replicator dynamics; Weibull 1995)
grows. At ``s = hare - sucker`` committing becomes dominant for the partner - but then the
patron is left with ``stag - s``, which for the default payoffs is exactly what hedging would
have given it: buying dominance costs the patron all its gain from the alliance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sim.demos.base import DemoResult
from sim.demos.figures import (
    COLOURS,
    Panel,
    Style,
    draw_payoff_matrix,
    legend,
    panel_title,
    render,
)
from sim.demos.games import describe, is_pure, nash_equilibria, pure_cells
from sim.errors import UserError

NAME = "stag_hunt"
ACTIONS = ("commit", "hedge")
PLAYERS = ("patron", "partner")


def payoff_matrices(
    side_payment: float = 0.0,
    stag: float = 4.0,
    hare_vs_stag: float = 3.0,
    hare: float = 2.0,
    sucker: float = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The patron's (row) and the partner's (column) payoffs; actions (commit, hedge).

    Args:
        side_payment: paid by the patron to the partner whenever the partner commits.
        stag: each side's payoff when both commit.
        hare_vs_stag: hedging while the other commits.
        hare: both hedge.
        sucker: committing while the other hedges (abandonment).

    Returns:
        (patron payoffs, partner payoffs), each 2x2 with rows = patron's action, columns =
        partner's action.

    Raises:
        UserError: unless stag > hare_vs_stag >= hare > sucker (an assurance game) and the
            side payment is non-negative.
    """
    if not stag > hare_vs_stag >= hare > sucker:
        raise UserError(
            "payoffs must satisfy stag > hare_vs_stag >= hare > sucker "
            f"(got {stag}, {hare_vs_stag}, {hare}, {sucker})"
        )
    if side_payment < 0:
        raise UserError(f"the side payment must be non-negative (got {side_payment})")
    base = np.array([[stag, sucker], [hare_vs_stag, hare]], dtype=float)
    patron = base.copy()
    patron[:, 0] -= side_payment  # pays whenever the partner commits
    partner = base.T.copy()  # the symmetric game: partner's payoff in cell (patron, partner)
    partner[:, 0] += side_payment  # receives s whenever it commits (column 0)
    return patron, partner


def partner_threshold(side_payment: float, stag=4.0, hare_vs_stag=3.0, hare=2.0, sucker=0.0):
    """Probability that the patron commits above which the partner prefers to commit.

    Solves (stag + s) q + (sucker + s)(1 - q) = hare_vs_stag q + hare (1 - q) for q, clipped to
    [0, 1]: 0 means committing is (weakly) dominant for the partner. It is also the patron's
    commit probability in the mixed equilibrium.
    """
    q = (hare - sucker - side_payment) / ((stag - hare_vs_stag) + (hare - sucker))
    return float(np.clip(q, 0.0, 1.0))


def patron_threshold(stag=4.0, hare_vs_stag=3.0, hare=2.0, sucker=0.0) -> float:
    """Probability that the partner commits above which the patron prefers to commit.

    Independent of the side payment (it is paid in both of the patron's cells where the
    partner commits). It is also the partner's commit probability in the mixed equilibrium.
    """
    return (hare - sucker) / ((stag - hare_vs_stag) + (hare - sucker))


def dominance_payment(hare: float = 2.0, sucker: float = 0.0) -> float:
    """Side payment at which committing becomes (weakly) dominant for the partner."""
    return hare - sucker


def cooperative_basins(
    patrons: NDArray[np.float64],
    partners: NDArray[np.float64],
    grid: int = 31,
    steps: int = 1000,
    dt: float = 0.2,
) -> NDArray[np.float64]:
    """Share of starting mixes that two-population replicator dynamics carry to (commit, commit).

    Starting points are a ``grid`` x ``grid`` lattice of cell centres in the unit square (the
    patron's and the partner's share of committers), integrated with Euler steps; all games are
    integrated at once.

    Args:
        patrons: (k, 2, 2) patron payoffs of k games (as from ``payoff_matrices``).
        partners: (k, 2, 2) partner payoffs of the same games.

    Returns:
        (k,) shares in [0, 1].
    """
    patrons, partners = np.asarray(patrons, float), np.asarray(partners, float)
    centres = (np.arange(grid) + 0.5) / grid
    x0, y0 = np.meshgrid(centres, centres)  # x: patron commits, y: partner commits
    x = np.broadcast_to(x0.ravel(), (len(patrons), grid * grid)).copy()
    y = np.broadcast_to(y0.ravel(), (len(patrons), grid * grid)).copy()
    # commit minus hedge, against the other's commit (first) and hedge (second)
    a, b = (patrons[:, 0, :] - patrons[:, 1, :]).T[:, :, None]
    c, d = (partners[:, :, 0] - partners[:, :, 1]).T[:, :, None]
    for _ in range(steps):
        gain_x = y * a + (1 - y) * b
        gain_y = x * c + (1 - x) * d
        x = np.clip(x + dt * x * (1 - x) * gain_x, 0.0, 1.0)
        y = np.clip(y + dt * y * (1 - y) * gain_y, 0.0, 1.0)
    return np.mean((x > 0.5) & (y > 0.5), axis=1)


def _panels(patron0, partner0, equilibria0, payments, thresholds, basins, s_dom, checks, p_star):
    """The demo's three panels: the payoff matrix, the thresholds and the basin, against the
    side payment."""

    def matrix(ax, style: Style) -> None:
        cells = pure_cells(equilibria0)
        draw_payoff_matrix(ax, patron0, partner0, ACTIONS, cells, players=PLAYERS, style=style)
        panel_title(ax, "a", "No side payment: payoffs (patron, partner)", style)

    def thresholds_panel(ax, style: Style) -> None:
        ax.plot(
            payments,
            thresholds,
            color=COLOURS["cooperate"],
            lw=style.line,
            label="partner commits if P(patron commits)\nis above this",
        )
        ax.axhline(
            p_star,
            color=COLOURS["side_a"],
            lw=style.line,
            ls="--",
            label="patron commits if P(partner commits)\nis above this",
        )
        ax.plot(
            checks[:, 0],
            checks[:, 1],
            "o",
            color="black",
            ms=style.marker * 0.7,
            label="mixed equilibrium (nashpy):\nP(patron commits)",
        )
        ax.axvline(s_dom, color="black", ls=":", lw=1.5)
        ax.text(
            s_dom,
            0.3,
            " commit dominant\n for the partner\n (s >= " + f"{s_dom:g})",
            fontsize=style.note,
        )
        ax.set_xlabel("side payment s (paid to the partner when it commits)")
        ax.set_ylabel("threshold probability")
        ax.set_ylim(-0.02, 1.02)
        legend(ax, style, outside=True)
        panel_title(ax, "b", "How sure must each side be of the other?", style)

    def basin(ax, style: Style) -> None:
        ax.plot(payments, basins, color=COLOURS["cooperate"], lw=style.line)
        ax.fill_between(payments, 0, basins, color=COLOURS["cooperate"], alpha=0.15)
        ax.axvline(s_dom, color="black", ls=":", lw=1.5)
        ax.set_xlabel("side payment s")
        ax.set_ylabel("share of starting mixes\nending in (commit, commit)")
        ax.text(s_dom, 0.1, " commit dominant\n for the partner", fontsize=style.note)
        ax.set_ylim(0, 1.02)
        panel_title(ax, "c", "Basin of the alliance equilibrium (replicator dynamics)", style)

    return [Panel("a", matrix), Panel("b", thresholds_panel), Panel("c", basin)]


def run(
    out_dir: Path,
    *,
    projector: bool = False,
    stag: float = 4.0,
    hare_vs_stag: float = 3.0,
    hare: float = 2.0,
    sucker: float = 0.0,
    max_payment: float = 3.0,
) -> DemoResult:
    """Compute the equilibria with and without side payments; draw and explain them.

    ``projector=True`` writes one 16:9 figure per panel in large type (``stag_hunt_a.png``
    ...) instead of ``stag_hunt.png``.

    Returns:
        The result; ``numbers`` holds ``equilibria`` (no payment), ``mixed_probability`` (each
        side's commit probability in the mixed equilibrium, no payment), ``payments``,
        ``partner_thresholds``, ``basins`` and ``dominance_payment``.
    """
    params = dict(stag=stag, hare_vs_stag=hare_vs_stag, hare=hare, sucker=sucker)
    patron0, partner0 = payoff_matrices(0.0, **params)
    equilibria0 = nash_equilibria(patron0, partner0)
    mixed = [e for e in equilibria0 if not is_pure(e)]
    s_dom = dominance_payment(hare, sucker)
    payments = np.linspace(0.0, max(max_payment, s_dom * 1.5), 61)
    thresholds = np.array([partner_threshold(s, **params) for s in payments])
    games = [payoff_matrices(s, **params) for s in payments]
    basins = cooperative_basins(np.array([g[0] for g in games]), np.array([g[1] for g in games]))
    checks_arr = _mixed_checks(payments, s_dom, params)
    p_star = patron_threshold(**params)
    panels = _panels(
        patron0, partner0, equilibria0, payments, thresholds, basins, s_dom, checks_arr, p_star
    )
    figures, drawn = render(
        NAME,
        panels,
        out_dir,
        projector=projector,
        title="Stag hunt: commitment is an equilibrium but so is hedging; a side payment to the "
        "reluctant partner makes commitment ever more likely",
        size=(16, 5.2),
        width_ratios=[0.8, 1.25, 1],
    )
    sections = _sections(
        params, equilibria0, mixed[0][0][0], payments, thresholds, basins, s_dom, p_star
    )
    return DemoResult(
        NAME,
        "Stag hunt: alliance commitment as an assurance game",
        sections,
        numbers={
            "equilibria": equilibria0,
            "mixed_probability": float(mixed[0][0][0]),
            "payments": payments,
            "partner_thresholds": thresholds,
            "patron_threshold": p_star,
            "basins": basins,
            "dominance_payment": s_dom,
        },
        figures=figures,
        drawn=drawn,
    )


def _mixed_checks(payments: NDArray[np.float64], s_dom: float, params: dict) -> NDArray:
    """``(s, patron's commit probability)`` in the mixed equilibrium (nashpy), every 4th ``s``
    below the dominance payment: a check on :func:`partner_threshold`."""
    checks = []
    for s in payments[payments < s_dom - 1e-9][::4]:
        eq = [e for e in nash_equilibria(*payoff_matrices(s, **params)) if not is_pure(e)]
        checks.append((s, eq[0][0][0]))  # the patron's commit probability
    return np.array(checks)


def _sections(
    params: dict,
    equilibria0,
    mixed_p: float,
    payments: NDArray[np.float64],
    thresholds: NDArray[np.float64],
    basins: NDArray[np.float64],
    s_dom: float,
    p_star: float,
) -> list[tuple[str, str]]:
    """The demo's printed explanation: the game, its equilibria and the side payment's effect."""
    stag, hare_vs_stag = params["stag"], params["hare_vs_stag"]
    hare, sucker = params["hare"], params["sucker"]

    def basin_at(s: float) -> float:
        return float(np.interp(s, payments, basins))

    half = s_dom / 2
    left = stag - s_dom - hare
    verdict = (
        "buying dominance costs it its whole gain from the alliance"
        if left <= 1e-12
        else f"dominance still leaves it {left:g} better off than mutual hedging"
    )
    return [
        (
            "The game",
            "A patron and a reluctant partner each commit to an alliance or hedge. Both commit: "
            f"{stag:g} each; hedge while\nthe other commits: {hare_vs_stag:g}; both hedge: "
            f"{hare:g}; commit alone (abandoned): {sucker:g}.",
        ),
        (
            "Equilibria without a side payment (nashpy)",
            f"{', '.join(describe(e, ACTIONS, PLAYERS) for e in equilibria0)}.\n"
            f"In the mixed one each side commits with probability {mixed_p:.3f}: "
            "commitment pays only if you are at\nleast that sure the other will commit too.",
        ),
        (
            "A side payment s to the partner (paid by the patron when the partner commits)",
            f"The partner's threshold falls from {thresholds[0]:.3f} (s = 0) to "
            f"{partner_threshold(half, **params):.3f} (s = {half:g}) and 0 at s = {s_dom:g}, "
            "where committing\nbecomes dominant for it; the patron's threshold stays "
            f"{p_star:.3f}. Basin of (commit, commit): {basin_at(0):.2f} at s = 0, "
            f"{basin_at(half):.2f}\nat s = {half:g}, {basin_at(s_dom):.2f} at s = {s_dom:g}. "
            f"At s = {s_dom:g} the patron keeps {stag - s_dom:g} from the alliance against "
            f"{hare:g} from\nhedging: {verdict}.",
        ),
        (
            "Ask the class",
            "Which is the 'stag' in Japan-Korea-US cooperation, and what is the 'hare'? Why "
            "might a smaller payment\nwork better than one that makes commitment dominant? "
            "What else could raise assurance (treaties,\ntroops on the ground, joint exercises)?",
        ),
    ]
