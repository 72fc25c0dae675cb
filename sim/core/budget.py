"""The budget decision: guns versus butter, with allies' capability as a (partly) public good.

Each year a state chooses its defence share of GDP ``x`` to maximise

    theta * log(security(own(x) + allied, threat)) + psi * log(x) + log(1 - x)
        - target_weight * tau * softplus((target - x) / tau)

where ``own(x) = x * GDP / depreciation`` is the capability stock that share would sustain in the
long run (the steady state of ``K' = (1 - depreciation) K + x GDP``). The objective is concave in
``x``, so the best response is unique: ``best_response_scalar`` (what the agents call, one
state at a time) finds it by a safeguarded Newton iteration on the derivative;
``best_response`` does the same for many states at once by bisection (a vectorised reference
used in tests and notebooks). Allied capability lowers the
marginal value of own spending, so free riding emerges: in Olson & Zeckhauser's (1966) pure
public-good alliance the richest members carry a disproportionate share of the burden, and
Sandler & Hartley (1995) show how joint products (private benefits of defence) temper this.

The term ``psi * log(x)`` is the private benefit of one's own defence, which allies cannot
supply (internal security, industry, prestige, damage limitation): Sandler & Hartley's joint
products (Murdoch & Sandler 1984 found such private benefits in NATO budgets). It keeps free
riding from driving small allies to zero.

The target's penalty is smooth (``target_pull``): a shortfall of many ``tau`` costs
``target_weight`` per unit, a share well above the target costs nothing, and there is no kink at
the target that would hold a best response exactly there whatever the threat does (``tau = 0``
gives the kinked penalty ``target_weight * max(0, target - x)``).

Budgets are sticky: states move part of the way towards the best response each year (partial
adjustment), faster when the gap is large (``adjustment_speed_for_gap``), by at most a fixed
number of percentage points, within fiscal bounds.

Preferences are calibrated by revealed preference (``calibrate_preferences``): a fraction of the
marginal cost of the observed 2024 share is attributed to private benefits (``psi``) and the rest
to security (``theta``), so that the observed share is each state's best response. Differences
in ``theta`` absorb everything the model leaves out (domestic politics, geography, history).
"""

from __future__ import annotations

import math

import numpy as np


def security_slope(
    share: np.ndarray,
    allied: np.ndarray,
    threat: np.ndarray,
    capability_per_share: np.ndarray,
    probs: np.ndarray | None = None,
) -> np.ndarray:
    """Derivative of the expected log-security with respect to the defence share.

    ``allied`` is the allied capability (n,), or the allied capability in each outcome of
    ``sim.core.payoffs.security_lottery`` (n, S) with their probabilities ``probs`` (n, S):
    ``sum_s p_s * T * c / (D_s (D_s + T))`` with ``D_s = allied_s + share * c``.
    """
    allied = np.asarray(allied, dtype=float)
    share = np.asarray(share, dtype=float)
    threat = np.asarray(threat, dtype=float)
    cps = np.asarray(capability_per_share, dtype=float)
    if probs is None:
        allied, probs = allied[..., None], np.ones((*allied.shape, 1))
    defence = np.maximum(allied + (share * cps)[..., None], 1e-9)
    t = threat[..., None]
    return (np.asarray(probs) * t * cps[..., None] / (defence * (defence + t))).sum(axis=-1)


def target_pull(
    share: np.ndarray, target: np.ndarray, weight: np.ndarray, smoothing: float = 0.0
) -> np.ndarray:
    """Marginal value of raising the share towards a spending target (minus the derivative of
    the target's penalty): ``weight * sigmoid((target - x) / smoothing)`` where a target is set.

    Args:
        share: defence share of GDP, 0-1.
        target: target share, 0-1 (0 = none: no pull).
        weight: cost per unit of shortfall well below the target.
        smoothing: width ``tau`` of the smooth penalty, share units (0.0025 = a quarter of a
            point); 0 gives the kinked penalty, whose pull is ``weight`` below the target and 0
            at or above it.

    Examples:
        Well below, at and well above a 2 % target with a quarter-point smoothing:

        >>> target_pull(np.array([0.01, 0.02, 0.03]), 0.02, 0.3, 0.0025).round(4).tolist()
        [0.2946, 0.15, 0.0054]
    """
    share = np.asarray(share, dtype=float)
    target = np.asarray(target, dtype=float)
    on = (target > 0) * np.asarray(weight, dtype=float)
    if smoothing <= 0:
        return on * (share < target)
    z = np.clip((target - share) / smoothing, -700.0, 700.0)
    return on / (1.0 + np.exp(-z))


def target_penalty(
    share: np.ndarray, target: np.ndarray, weight: np.ndarray, smoothing: float = 0.0
) -> np.ndarray:
    """The penalty for missing a spending target, fraction of GDP (<= 0): minus
    ``weight * tau * softplus((target - x) / tau)`` (``tau = smoothing``), whose derivative is
    ``target_pull``; with ``smoothing`` 0, ``-weight * max(0, target - x)``.

    Examples:
        >>> target_penalty(np.array([0.01, 0.03]), 0.02, 0.3).round(6).tolist()
        [-0.003, -0.0]
        >>> target_penalty(np.array([0.01, 0.03]), 0.02, 0.3, 0.0025).round(6).tolist()
        [-0.003014, -1.4e-05]
    """
    share = np.asarray(share, dtype=float)
    target = np.asarray(target, dtype=float)
    on = (target > 0) * np.asarray(weight, dtype=float)
    if smoothing <= 0:
        return -on * np.maximum(0.0, target - share)
    return -on * smoothing * np.logaddexp(0.0, (target - share) / smoothing)


def marginal_utility(
    share: np.ndarray,
    theta: np.ndarray,
    allied: np.ndarray,
    threat: np.ndarray,
    capability_per_share: np.ndarray,
    target: np.ndarray,
    target_weight: np.ndarray,
    private: np.ndarray | float = 0.0,
    probs: np.ndarray | None = None,
    smoothing: float = 0.0,
) -> np.ndarray:
    """Derivative of the budget objective with respect to the defence share.

    Args:
        share: defence share of GDP, 0-1.
        theta: value of security, fraction of GDP.
        allied: allied capability, USD bn.
        threat: perceived threat, USD bn.
        capability_per_share: long-run capability per unit share, ``GDP / depreciation``, USD bn.
        target: spending target share, 0-1 (0 = none).
        target_weight: cost per unit shortfall below the target.
        private: weight ``psi`` of the private benefit ``psi * log(x)``, fraction of GDP.
        probs: with ``allied`` (n, S), the probability of each allied outcome (see
            ``security_slope``).
        smoothing: width of the target's smooth penalty, share units (``target_pull``).

    Returns:
        dU/dx per unit share (fraction of GDP per unit share).

    References:
        Olson & Zeckhauser (1966): allies' capability substitutes for one's own, so it lowers
            the marginal value of own spending (free riding).
        Murdoch & Sandler (1984): a private benefit of one's own defence (``psi / x``) that
            allies cannot supply, the joint products they found in NATO budgets.
        Tullock (1980); Hirshleifer (1989): the ratio contest-success function whose log is
            differentiated in the security term.

    Examples:
        Two states at a share of 5 %, each facing a threat of 1 with 100 of capability per
        unit share. Alone (first), more security is still worth the consumption it costs; with
        an ally of 10 (second) it is not:

        >>> mu = marginal_utility(np.full(2, 0.05), np.ones(2), np.array([0.0, 10.0]),
        ...                       np.ones(2), np.full(2, 100.0), np.zeros(2), np.zeros(2))
        >>> mu.round(4).tolist()
        [2.2807, -0.636]
    """
    d_security = security_slope(share, allied, threat, capability_per_share, probs)
    pull = target_pull(share, target, target_weight, smoothing)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(np.asarray(private) > 0, private / share, 0.0)
    return theta * d_security + own - 1.0 / (1.0 - share) + pull


def best_response(
    theta: np.ndarray,
    allied: np.ndarray,
    threat: np.ndarray,
    capability_per_share: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    target: np.ndarray | None = None,
    target_weight: np.ndarray | None = None,
    private: np.ndarray | float = 0.0,
    iterations: int = 48,
    probs: np.ndarray | None = None,
    smoothing: float = 0.0,
) -> np.ndarray:
    """Defence share that maximises each state's budget objective, within fiscal bounds.

    Bisection on the (decreasing) derivative; at a kink created by a target the answer is the
    target itself. Vectorised over states.

    Args:
        theta, allied, threat, capability_per_share: as in ``marginal_utility``, shape (n,).
        lower: minimum share, 0-1.
        upper: maximum share, 0-1 (< 1).
        target: target share (default none).
        target_weight: cost per unit shortfall (default 0).
        private: weight of the private benefit of own defence (default 0).
        iterations: bisection steps (48 gives ~1e-15 precision on [0, 1]).
        smoothing: width of the target's smooth penalty (``target_pull``; 0 = kinked).

    Returns:
        (n,) best-response share of GDP, 0-1.

    References:
        Olson & Zeckhauser (1966): each ally's defence spending as its best response to the
            others' spending, from which free riding and disproportionate burdens follow.
        Murdoch & Sandler (1984): joint products, private benefits of defence that temper
            free riding; here they keep a small ally's response above zero.

    Examples:
        Two identical states; the second has an ally of 10 and spends nothing (the optimum
        alone solves 100 x^2 + 2 x - 1 = 0, x = (sqrt(101) - 1) / 100):

        >>> x = best_response(np.ones(2), np.array([0.0, 10.0]), np.ones(2), np.full(2, 100.0),
        ...                   np.zeros(2), np.full(2, 0.5))
        >>> x.round(4).tolist()
        [0.0905, 0.0]
    """
    n = np.shape(theta)[0]
    target = np.zeros(n) if target is None else target
    target_weight = np.zeros(n) if target_weight is None else target_weight
    lo = np.asarray(lower, dtype=float).copy()
    lo = np.where((lo <= 0) & (np.asarray(private) > 0), 1e-12, lo)
    hi = np.asarray(upper, dtype=float).copy()

    def grad(x: np.ndarray) -> np.ndarray:
        return marginal_utility(
            x,
            theta,
            allied,
            threat,
            capability_per_share,
            target,
            target_weight,
            private,
            probs,
            smoothing,
        )

    at_lower = grad(lo) <= 0
    at_upper = grad(hi) >= 0
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        up = grad(mid) > 0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    x = 0.5 * (lo + hi)
    x = np.where(at_lower, lower, x)
    return np.where(at_upper & ~at_lower, upper, x)


def calibrate_preferences(
    share: np.ndarray,
    allied: np.ndarray,
    threat: np.ndarray,
    capability_per_share: np.ndarray,
    target: np.ndarray,
    target_weight: np.ndarray,
    private_share: float = 0.0,
    floor: float = 1e-6,
    probs: np.ndarray | None = None,
    smoothing: float = 0.0,
    weight_per_theta: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Preferences that make the observed share each state's best response (revealed preference).

    The marginal cost of the observed share, ``1 / (1 - x)`` less the pull of any target, is
    split: ``private_share`` of it is matched by the private benefit (``psi / x``), the rest by
    the marginal value of security (``theta * dSecurity/dx``). Where the target's pull alone
    would justify the share, theta would be negative; it is floored.

    The target's weight may itself grow with the value of security: ``target_weight + theta *
    weight_per_theta`` (a shortfall that puts at risk part of what allies are worth, which is
    proportional to theta; see ``sim.abm.model``). Theta then solves a linear equation:
    ``theta * slope = (1 - private_share) * (1 / (1 - x) - pull(target_weight) - theta *
    pull(weight_per_theta))``.

    Returns:
        (theta, psi): value of security (fraction of GDP per unit of log security, >= ``floor``) and
        weight of the private benefit (fraction of GDP; 0 where the share is 0).

    References:
        Murdoch & Sandler (1984): defence yields both a public (alliance-wide) and a private
            benefit; ``private_share`` sets how the observed budget is divided between them.
        Olson & Zeckhauser (1966): with ``private_share`` 0 the calibrated state values defence
            only as a public good.

    Examples:
        The calibrated preferences make the observed share the best response again:

        >>> theta, psi = calibrate_preferences(np.array([0.02]), np.array([5.0]), np.array([3.0]),
        ...                                    np.array([100.0]), np.zeros(1), np.zeros(1), 0.8)
        >>> x = best_response(theta, np.array([5.0]), np.array([3.0]), np.array([100.0]),
        ...                   np.zeros(1), np.full(1, 0.5), private=psi)
        >>> x.round(10).tolist()
        [0.02]
    """
    d_security = security_slope(share, allied, threat, capability_per_share, probs)
    fixed_pull = target_pull(share, target, target_weight, smoothing)
    theta_pull = target_pull(share, target, weight_per_theta, smoothing)
    marginal_cost = 1.0 / (1.0 - share) - fixed_pull
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(
            d_security > 0,
            (1.0 - private_share)
            * np.maximum(0.0, marginal_cost)
            / (d_security + (1.0 - private_share) * theta_pull),
            floor,
        )
    theta = np.maximum(floor, theta)
    needed = np.maximum(0.0, marginal_cost - theta * theta_pull)
    psi = private_share * needed * share
    return theta, psi


def adjustment_speed_for_gap(gap: np.ndarray, speed: float, gap_half: float = 0.0) -> np.ndarray:
    """Fraction of the gap to the best response closed in a year: ``speed`` for small gaps,
    rising towards 1 for gaps large against ``gap_half``:

        speed + (1 - speed) * gap^2 / (gap^2 + gap_half^2)

    Budgets move by increments in ordinary years and in bursts when the pressure for change is
    large (punctuated equilibrium in budgeting: Jones & Baumgartner 2005; True, Jones &
    Baumgartner 2007): routine drift is slow, a shock is answered within a few years. The
    quadratic form is this model's assumption; ``gap_half`` 0 gives the constant ``speed``. The
    gap is in points of GDP, not relative to the budget: measured against the current budget
    it fitted the NATO back-test's in-sample years as well but its later years worse
    (experiments/backtest_nato/report.md), a choice the report discloses.

    Args:
        gap: desired minus current share (share units, any sign).
        speed: the speed for small gaps, 0-1.
        gap_half: the gap at which half the remaining speed is added, share units (0 = none).

    Examples:
        Speed 0.1 and a half-way gap of one point: a tenth of a point gap moves at about the
        routine speed, a one-point gap at 0.55, a three-point gap at 0.91:

        >>> adjustment_speed_for_gap(np.array([0.001, 0.01, 0.03]), 0.1, 0.01).round(3).tolist()
        [0.109, 0.55, 0.91]
    """
    if gap_half <= 0:
        return np.full(np.shape(gap), float(speed))
    g2 = np.square(np.asarray(gap, dtype=float))
    return speed + (1.0 - speed) * g2 / (g2 + gap_half**2)


def adjust_share(
    current: np.ndarray,
    desired: np.ndarray,
    speed: float,
    max_change: float,
    lower: np.ndarray,
    upper: np.ndarray,
    gap_half: float = 0.0,
) -> np.ndarray:
    """Partial adjustment of budgets towards the desired share.

    Args:
        current: this year's share, 0-1.
        desired: the best response, 0-1.
        speed: fraction of the gap closed per year for small gaps, 0-1.
        max_change: largest change per year, in share units (0.005 = 0.5 points of GDP).
        lower, upper: fiscal bounds, 0-1.
        gap_half: with a positive value, large gaps close faster
            (``adjustment_speed_for_gap``); 0 = constant speed.

    Returns:
        next year's share, 0-1.

    Examples:
        A gap of 3 points closed at speed 0.3 would move 0.9 points; the cap allows 0.3:

        >>> round(float(adjust_share(0.02, 0.05, 0.3, 0.003, 0.0, 0.1)), 6)
        0.023
    """
    gap = np.asarray(desired, dtype=float) - current
    rate = adjustment_speed_for_gap(gap, speed, gap_half)
    step = np.clip(rate * gap, -max_change, max_change)
    return np.clip(current + step, lower, upper)


def best_response_scalar(
    theta: float,
    allied: float,
    threat: float,
    capability_per_share: float,
    lower: float,
    upper: float,
    target: float = 0.0,
    target_weight: float = 0.0,
    private: float = 0.0,
    probs: tuple[float, ...] | None = None,
    smoothing: float = 0.0,
) -> float:
    """``best_response`` for one state, in plain floats (fast enough to call per agent).

    Safeguarded Newton iteration on the derivative, which is strictly decreasing in the share.
    A smooth target (``smoothing`` > 0) enters the derivative like any other term; the kinked
    one (``smoothing`` 0) is handled piecewise: solve without the target's pull, then with it,
    and stop at the target when it lies between the two.

    Returns:
        best-response share of GDP, 0-1.

    References:
        Olson & Zeckhauser (1966): the ally's best response to others' spending (free riding).
        Murdoch & Sandler (1984): the private benefit of own defence (joint products).

    Examples:
        As in ``best_response``: alone, then with an ally of 10:

        >>> round(best_response_scalar(1.0, 0.0, 1.0, 100.0, 0.0, 0.5), 4)
        0.0905
        >>> best_response_scalar(1.0, 10.0, 1.0, 100.0, 0.0, 0.5)
        0.0

        Alone with a target weighted 0.3: the pull lifts the share to a 10 % target, but only
        part of the way to a 20 % one:

        >>> best_response_scalar(1.0, 0.0, 1.0, 100.0, 0.0, 0.5, target=0.1, target_weight=0.3)
        0.1
        >>> round(best_response_scalar(1.0, 0.0, 1.0, 100.0, 0.0, 0.5, 0.2, 0.3), 4)
        0.1057
    """

    outcomes = (
        [(1.0, float(allied))]
        if probs is None
        else [(float(p), float(a)) for p, a in zip(probs, allied, strict=True) if p > 0]
    )
    cps = capability_per_share

    def slopes(x: float) -> tuple[float, float]:
        """The security term's first and second derivatives at share x."""
        first = second = 0.0
        for p, a in outcomes:
            s = max(a + x * cps, 1e-9)
            first += p * threat * cps / (s * (s + threat))
            second -= p * threat * cps**2 * (2 * s + threat) / (s * (s + threat)) ** 2
        return theta * first, theta * second

    smooth = smoothing > 0 and target > 0 and target_weight > 0

    def smooth_pull(x: float) -> tuple[float, float]:
        """The smooth target's pull at x and its derivative."""
        if not smooth:
            return 0.0, 0.0
        z = min(700.0, max(-700.0, (target - x) / smoothing))
        sig = 1.0 / (1.0 + math.exp(-z))
        return target_weight * sig, -target_weight * sig * (1.0 - sig) / smoothing

    def solve(pull: float) -> float:
        def grad(x: float) -> float:
            own = private / x if private > 0 else 0.0
            return slopes(x)[0] + own - 1.0 / (1.0 - x) + pull + smooth_pull(x)[0]

        lo, hi = lower, upper
        if lo <= 0 and private > 0:
            lo = 1e-12
        if grad(lo) <= 0:
            return lo
        if grad(hi) >= 0:
            return hi
        x = 0.5 * (lo + hi)
        for _ in range(100):
            g = grad(x)
            if g > 0:
                lo = x
            else:
                hi = x
            if hi - lo < 1e-13:
                break
            slope = slopes(x)[1] - private / (x * x) - 1.0 / (1.0 - x) ** 2 + smooth_pull(x)[1]
            newton = x - g / slope
            x = newton if lo < newton < hi else 0.5 * (lo + hi)
        return x

    if smooth:
        return solve(0.0)
    free = solve(0.0)
    if target_weight <= 0 or free >= target:
        return free
    pulled = solve(target_weight)
    return target if pulled >= target else pulled
