"""Reproduce the published results the model rests on, and the observed incidents:
``python -m experiments.validate [--only published|incidents]``.

Each published target runs the model's own code (not a copy of it) and compares with a
published or derived value. The table gives the target, its source, the published value, the
reproduced value, the tolerance and pass/fail.

Each incident target (``abm/data/targets``: an observed outage, repair or restoration with its
reported spread) runs its scenario at the composed defaults, that is with the calibrated values
of ``configs/calibration/fitted.yaml``, over the target's replicates (seed 0, as fitted), and
passes when the model's mean lies within the reported [low, high]. Fit targets check that the
calibrated defaults still reproduce what they were fitted to (after any later change to the
model or another fit); holdout targets were never fitted and check the model out of sample.

The command exits 1 if any target fails; an unknown argument or ``--only`` value stops it in
one line ``error: <flag>: ...`` with exit status 2.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from abm.calibration import evaluate, load_targets
from abm.cascade import working_fixed_point
from abm.cli import guarded
from abm.interdependency import equilibrium, step
from abm.metrics import loss_of_series
from abm.narratives import advance, never_reached_fraction
from abm.study_config import OneLineParser


@dataclass
class Target:
    name: str
    source: str
    published: float
    reproduced: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return abs(self.reproduced - self.published) <= self.tolerance


def iim_targets() -> list[Target]:
    """Static IIM equilibria of the published two-sector examples, a clipped case, and the
    dynamic model's convergence to them."""
    out = []
    examples = [
        (
            "IIM Haimes & Jiang 2001",
            [[0, 0.8], [0.2, 0]],
            [0, 0.6],
            [0.571, 0.714],
            5e-4,
            "Haimes & Jiang 2001, J. Infrastructure Systems 7(1):1-12",
        ),
        (
            "IIM Lian & Haimes 2006",
            [[0.15, 0.5], [0.1, 0.05]],
            [0, 0.1],
            [0.0660, 0.1122],
            5e-5,
            "Lian & Haimes 2006, Systems Engineering 9:241-258",
        ),
    ]
    for name, a_rows, c_row, q, tol, source in examples:
        a, c = np.array(a_rows), np.array(c_row)
        eq = equilibrium(a, c)
        for i in range(2):
            out.append(Target(f"{name}: q{i + 1}", source, q[i], float(eq[i]), tol))
        dyn = np.zeros(2)
        for _ in range(2000):
            dyn = step(dyn, a, c, np.array([0.3, 0.3]))
        out.append(Target(f"{name}: dynamic model -> q1", source, q[0], float(dyn[0]), tol))
    # clipping binds: the projected fixed point, against the clipped map iterated to convergence
    a = np.array([[0.0, 0.5], [0.0, 0.5]])
    c = np.array([0.45, 0.9])
    ref = np.zeros(2)
    for _ in range(5000):
        ref = np.clip(a @ ref + c, 0, 1)
    eq = equilibrium(a, c)
    out.append(
        Target(
            "IIM clipped case: q1 = clip(A*q + c*)",
            "fixed point of the projected IIM (DESIGN.md section 3)",
            float(ref[0]),
            float(eq[0]),
            1e-9,
        )
    )
    return out


def rumour_target(rate: float = 1.0, population: float = 1e7) -> Target:
    """Maki-Thompson final never-reached fraction, one spreader, at the model's 1 h step."""
    i, s = np.array([[1 - 1 / population]]), np.array([[1 / population]])
    for _ in range(20_000):
        i, s, _ = advance(i, s, rate, rate, np.array([1.0]), np.array([0]), 1.0, dt=1.0)
        if s.max() < 1e-14:
            break
    return Target(
        "Maki-Thompson never-reached fraction (dt = 1 h)",
        "Sudbury 1985, J. Appl. Probab. 22:443-446: theta = exp(-2(1 - theta))",
        never_reached_fraction(1.0),
        float(i[0, 0]),
        1e-3,
    )


def cascade_targets(n: int = 200_000, k: int = 3, seed: int = 7) -> list[Target]:
    """Working fraction on random supply graphs against the model's own rule's theory.

    Each asset needs one resource from k suppliers drawn at random, works if intact and at
    least one supplier works; a share p is intact. On a large locally tree-like graph, the
    probability x that a supplier works solves x = p (1 - (1 - x)^k), the largest root; the
    working fraction is x.
    """
    rng = np.random.default_rng(seed)
    need_asset = np.arange(n)
    edge_need = np.repeat(need_asset, k)
    edge_supplier = rng.integers(0, n, size=n * k)
    out = []
    for p in (0.5, 0.7, 0.9):
        intact = rng.random(n) < p
        working, _ = working_fixed_point(
            intact, need_asset, np.zeros(n, bool), edge_need, edge_supplier
        )
        f = lambda x, p=p: p * (1 - (1 - x) ** k) - x  # noqa: E731
        theory = brentq(f, 1e-6, 1.0) if f(1.0) < 0 < f(1e-6) else 0.0
        out.append(
            Target(
                f"cascade working fraction, k = {k}, p = {p}",
                "derived: x = p (1 - (1 - x)^k) on random k-supplier graphs",
                theory,
                float(working.mean()),
                0.01,
            )
        )
    return out


def loss_target(q0: float = 0.6, tau: float = 20.0, horizon: float = 200.0) -> Target:
    """Resilience loss of an exponential recovery q(t) = q0 exp(-t / tau): q0 tau (1 - e^-T/tau)."""
    dt = 0.25
    t = np.arange(0, horizon, dt) + dt / 2
    service = (1 - q0 * np.exp(-t / tau))[:, None]
    exact = q0 * tau * (1 - math.exp(-horizon / tau))
    return Target(
        "resilience loss integral, exponential recovery",
        "Bruneau et al. 2003, Earthquake Spectra 19(4):733-752 (area of the triangle)",
        exact,
        float(loss_of_series(service, dt)[0]),
        1e-3,
    )


def all_targets() -> list[Target]:
    return [*iim_targets(), rumour_target(), *cascade_targets(), loss_target()]


@dataclass
class IncidentCheck:
    """An incident target run at the calibrated defaults."""

    name: str
    role: str
    metric: str
    observed: float
    low: float
    high: float
    mean: float
    sem: float
    replicates: int
    censored: int

    @property
    def passed(self) -> bool:
        return self.low <= self.mean <= self.high


def incident_checks(seed: int = 0) -> list[IncidentCheck]:
    """Every shipped incident target (fit and holdout) at the composed defaults."""
    out = []
    for t in load_targets():
        ev = evaluate(t, seed=seed)
        n = len(ev.outcomes)
        sem = float(ev.outcomes.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
        out.append(
            IncidentCheck(
                name=t.name,
                role=t.role,
                metric=t.outcome.metric,
                observed=t.observed,
                low=t.low,
                high=t.high,
                mean=ev.mean,
                sem=sem,
                replicates=n,
                censored=ev.censored,
            )
        )
    return out


def print_published(targets: list[Target]) -> list[str]:
    """The published targets' table; returns the names of those that failed."""
    width = max(len(t.name) for t in targets)
    print(
        f"{'target':{width}}  {'published':>10}  {'reproduced':>10}  {'tolerance':>9}  result"
        "  source"
    )
    for t in targets:
        print(
            f"{t.name:{width}}  {t.published:10.5f}  {t.reproduced:10.5f}  {t.tolerance:9.1e}  "
            f"{'pass' if t.passed else 'FAIL'}    {t.source}"
        )
    return [t.name for t in targets if not t.passed]


def print_incidents(checks: list[IncidentCheck], seconds: float) -> list[str]:
    """The incident targets' table; returns the names of those that failed."""
    print(
        f"\nIncident targets (abm/data/targets) at the calibrated defaults, seed 0, "
        f"{seconds:.0f} s; model: mean over replicates (standard error); pass: mean within the "
        "reported [low, high]:"
    )
    width = max(len(c.name) for c in checks)
    print(
        f"{'target':{width}}  {'role':7}  {'metric':21}  {'observed':>9}  {'low':>8}  "
        f"{'high':>8}  {'model':>9}  {'(se)':>8}  {'reps':>4}  result"
    )
    for c in checks:
        cut = f"  ({c.censored} censored)" if c.censored else ""
        # identical replicates (no spread) show a zero, not rounding noise
        se = f"({c.sem:.2g})" if c.sem > 1e-9 * max(abs(c.mean), 1.0) else "(0)"
        print(
            f"{c.name:{width}}  {c.role:7}  {c.metric:21}  {c.observed:9.4g}  {c.low:8.4g}  "
            f"{c.high:8.4g}  {c.mean:9.4g}  {se:>8}  {c.replicates:4d}  "
            f"{'pass' if c.passed else 'FAIL'}{cut}"
        )
    return [c.name for c in checks if not c.passed]


def main(argv: Sequence[str] | None = None) -> int:
    """Check every target; 1 if one fails, 2 (one line) for bad arguments."""
    return guarded(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    parser = OneLineParser(prog="python -m experiments.validate", description=__doc__)
    parser.add_argument(
        "--only",
        choices=("published", "incidents"),
        help="check only the published results, or only the incident targets",
    )
    args = parser.parse_args(argv)
    failed: list[str] = []
    count = 0
    if args.only != "incidents":
        targets = all_targets()
        count += len(targets)
        failed += print_published(targets)
    if args.only != "published":
        start = time.perf_counter()
        checks = incident_checks()
        count += len(checks)
        failed += print_incidents(checks, time.perf_counter() - start)
    print(f"{count - len(failed)} passed, {len(failed)} failed")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
