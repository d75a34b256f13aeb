"""Functional coupling between sectors: the inoperability input-output model (IIM).

Inoperability ``q`` is the share of a sector's normal service that is lost (service level is
``1 - q``). A sector is inoperable directly, ``c*`` (its own assets are down, or demand exceeds
capacity), and indirectly, because it depends on other sectors: ``A*`` holds, for dependent
sector ``i`` (row) and supplier sector ``j`` (column), the inoperability of ``i`` caused per unit
inoperability of ``j``.

- Static IIM (Haimes & Jiang 2001, J. Infrastructure Systems 7(1):1-12; demand-reduction form
  Santos & Haimes 2004, Risk Analysis 24:1437-1451): ``q = A* q + c*``, i.e.
  ``q = (I - A*)^-1 c*``. Inoperability cannot exceed 1, so the model uses the projected fixed
  point ``q = clip(A* q + c*, 0, 1)`` (:func:`equilibrium`).
- Dynamic IIM (Haimes et al. 2005, J. Infrastructure Systems 11(2):67-79; Lian & Haimes 2006,
  Systems Engineering 9:241-258): ``q(t+1) = q(t) + K [A* q(t) + c*(t) - q(t)]`` with ``K`` a
  diagonal matrix of resilience coefficients, here clipped to ``[0, 1]`` (:func:`step`).

Everything works for any ``n x n`` ``A*`` and on arrays whose *last* axis is the sector, so the
same code serves one region ``(n,)`` or all regions at once ``(regions, n)``. The asset graph
already carries the physical supply dependencies (power, telecom, water); the shipped ``A*``
(:func:`load_interdependency`) carries only the functional and economic ones, and marks the
physical pairs with zero so that no dependency is counted twice.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from abm.config import RunConfig
from abm.errors import ConfigError
from abm.sectors import SECTOR_INDEX, SECTORS
from abm.world import World, data_path

__all__ = [
    "KINDS",
    "InterdependencyTable",
    "equilibrium",
    "load_interdependency",
    "spectral_radius",
    "step",
    "step_subservices",
    "validate_a_star",
]

#: Allowed values of the ``kind`` column, in a fixed order (immutable on purpose).
KINDS: tuple[str, ...] = ("physical", "functional", "none")

_CSV_COLUMNS: tuple[str, ...] = ("dependent", "supplier", "a_star", "kind", "rationale", "source")
_DEFAULT_CSV = Path(__file__).parent / "data" / "interdependency.csv"


def spectral_radius(a_star: np.ndarray) -> float:
    """Largest absolute eigenvalue of a square matrix.

    It decides whether the IIM is well posed: for non-negative ``A*`` the Leontief inverse
    ``(I - A*)^-1`` exists and is non-negative exactly when the spectral radius is below 1, and
    the dynamic model then settles instead of amplifying a shock without bound.

    Args:
        a_star: Square 2-D array.

    Returns:
        The spectral radius as a Python float (0.0 for an empty matrix).
    """
    a = np.asarray(a_star, dtype=float)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(np.linalg.eigvals(a))))


def validate_a_star(a_star: np.ndarray, name: str = "a_star") -> np.ndarray:
    """Check that a matrix can serve as ``A*`` and return it as a float array.

    Configs and data files are checked once, up front, so that the hot path (:func:`step`) can
    skip validation and a bad matrix fails with a message that says which key is wrong.

    Args:
        a_star: Candidate interdependency matrix (anything ``np.asarray`` accepts).
        name: Name of the config key or file the matrix came from, used in error messages.

    Returns:
        A new float64 array with the same values.

    Raises:
        ValueError: If the matrix is not a non-empty 2-D square, has non-finite or negative
            entries, or has spectral radius >= 1.
    """
    try:
        a = np.array(a_star, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: must be a numeric square matrix ({exc})") from exc
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"{name}: must be a non-empty 2-D square matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: entries must be finite (found NaN or inf)")
    if np.any(a < 0.0):
        raise ValueError(f"{name}: entries must be >= 0 (found min {a.min():g})")
    rho = spectral_radius(a)
    if rho >= 1.0:
        raise ValueError(
            f"{name}: spectral radius must be < 1 for the IIM to be well posed, found {rho:.6g}"
        )
    return a


def _validate_c_star(c_star: np.ndarray, n: int) -> np.ndarray:
    """Return ``c*`` as float, checking shape ``(..., n)`` and values in ``[0, 1]``."""
    c = np.asarray(c_star, dtype=float)
    if c.ndim == 0 or c.shape[-1] != n:
        raise ValueError(f"c_star: last axis must have length {n} (one per sector), got {c.shape}")
    if not np.all(np.isfinite(c)) or np.any(c < 0.0) or np.any(c > 1.0):
        raise ValueError("c_star: entries must be finite and in [0, 1]")
    return c


def _equilibrium_1d(a: np.ndarray, c: np.ndarray, eye: np.ndarray) -> np.ndarray:
    """Projected IIM fixed point for one vector ``c`` by policy (active-set) iteration.

    ``q = min(1, A q + c)`` is a max-type equation with monotone (M-matrix) pieces, so Howard's
    policy iteration terminates in at most ``n + 1`` linear solves (Bokanowski, Maroso & Zidani
    2009, SIAM J. Numer. Anal. 47:3001). A sector is pinned at 1 when ``(A q + c)_i >= 1``;
    the free sectors solve ``(I - A_FF) q_F = c_F + A_FP 1``. Pinned sectors are released again
    when the others fall enough, which a pin-only scheme would miss.
    """
    n = c.shape[0]
    pinned = np.zeros(n, dtype=bool)
    q = np.linalg.solve(eye - a, c)
    for _ in range(2 * n + 2):  # n + 1 suffice in exact arithmetic; margin for rounding ties
        new_pinned = (a @ q + c) >= 1.0
        if np.array_equal(new_pinned, pinned):
            break
        pinned = new_pinned
        free = ~pinned
        q = np.ones(n)
        if free.any():
            rhs = c[free] + a[np.ix_(free, pinned)].sum(axis=1)
            q[free] = np.linalg.solve(eye[np.ix_(free, free)] - a[np.ix_(free, free)], rhs)
    # Free coordinates are in [0, 1] up to rounding (A*, c* >= 0 and (I - A_FF)^-1 >= 0).
    q = np.clip(q, 0.0, 1.0)
    residual = np.max(np.abs(q - np.clip(a @ q + c, 0.0, 1.0)), initial=0.0)
    if residual > 1e-9:  # cannot happen for valid inputs; guards against silent wrong answers
        raise RuntimeError(f"equilibrium: active-set iteration did not converge ({residual:.3g})")
    return q


def equilibrium(a_star: np.ndarray, c_star: np.ndarray) -> np.ndarray:
    """Static inoperability: the projected fixed point ``q = clip(A* q + c*, 0, 1)``.

    This is where the clipped dynamic model (:func:`step`) settles for a constant ``c*``, so it
    is the reference for calibration and tests. Where no clipping binds it equals the classic
    IIM solution ``(I - A*)^-1 c*`` (Haimes & Jiang 2001); where a sector would exceed full
    inoperability it is computed exactly by an active-set (policy) iteration, not by iterating
    the map, so it is exact to rounding. The lower bound never binds because ``A*, c* >= 0``.
    Not a hot path: validates its inputs and loops over the leading axes.

    Args:
        a_star: ``(n, n)`` non-negative matrix with spectral radius < 1 (rows dependent sector,
            columns supplier sector).
        c_star: Direct inoperability in ``[0, 1]``, shape ``(..., n)``.

    Returns:
        Inoperability with the shape of ``c_star``, values in ``[0, 1]``.

    Raises:
        ValueError: If ``a_star`` or ``c_star`` is invalid or their shapes do not match.
    """
    a = validate_a_star(a_star)
    n = a.shape[0]
    c = _validate_c_star(c_star, n)
    eye = np.eye(n)
    flat = c.reshape(-1, n)
    out = np.empty_like(flat)
    for row in range(flat.shape[0]):
        out[row] = _equilibrium_1d(a, flat[row], eye)
    return out.reshape(c.shape)


def step(
    q: np.ndarray,
    a_star: np.ndarray,
    c_star: np.ndarray,
    k: np.ndarray,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Advance the dynamic IIM by one time step.

    ``q(t+1) = clip(q + k * (A* q + c* - q), 0, 1)``, the explicit form of Haimes et al. (2005)
    and Lian & Haimes (2006) with ``k`` the diagonal of their resilience matrix ``K``: a sector
    closes the fraction ``k_i`` of the gap to its current target ``A* q + c*`` each step.

    For ``0 < k <= 1`` (per step) and spectral radius of ``A*`` < 1 the iteration converges,
    from any start in ``[0, 1]``, to :func:`equilibrium` ``(A*, c*)``: the map is monotone and a
    contraction because ``I - K (I - A*)`` is non-negative with spectral radius < 1, and its
    fixed points are exactly those of ``clip(A* q + c*, 0, 1)``. Without clipping the error
    shrinks by that spectral radius per step; when ``c*`` drops back to 0 the inoperability
    decays monotonically to 0 (recovery). ``k`` is a per-step rate, so it depends on the step
    length: a sector alone (``a*_ii`` only) recovers as ``(1 - k_i (1 - a*_ii))^t``.

    Hot path (every simulated hour on a ``(regions, n)`` array): no validation here; check
    ``A*`` once with :func:`validate_a_star`.

    Args:
        q: Current inoperability, shape ``(..., n)``.
        a_star: ``(n, n)`` interdependency matrix.
        c_star: Direct inoperability, broadcastable against ``q``.
        k: Per-sector rates, shape ``(n,)`` (or anything broadcastable over ``q``).
        out: Optional array to write into (may be ``q`` itself for an in-place update).

    Returns:
        The new inoperability (``out`` if given).
    """
    nxt = q @ a_star.T + c_star
    nxt -= q
    nxt *= k
    nxt += q
    np.maximum(nxt, 0.0, out=nxt)  # maximum/minimum: cheaper than np.clip on small arrays
    return np.minimum(nxt, 1.0, out=nxt if out is None else out)


def step_subservices(
    q: np.ndarray,
    q_sub: np.ndarray,
    a_star: np.ndarray,
    c_star: np.ndarray,
    c_sub: np.ndarray,
    k: np.ndarray,
    sector: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance the dynamic IIM by one step for sectors and their sub-services.

    Each sub-service ``u`` of sector ``s`` closes the gap to its own target with its sector's
    row of ``A*`` and rate: ``q_u(t+1) = clip(q_u + k_s (A*_s q(t) + c*_u - q_u), 0, 1)``,
    where ``q(t)`` is the sectors' inoperability (a split sector's being the need-weighted mean
    of its sub-services'). As the step is linear in ``c*``, the mean of the sub-services
    follows the sector's own IIM with ``c*_s`` the need-weighted mean of theirs, up to the
    clipping. The caller replaces the split sectors' columns of the returned ``q`` by the mean
    (:meth:`abm.subservices.Subservices.sector_mean`).

    Args:
        q: ``(..., n)`` sectors' inoperability now.
        q_sub: ``(..., U)`` sub-services' inoperability now.
        c_star: ``(..., n)`` sectors' direct inoperability.
        c_sub: ``(..., U)`` sub-services' direct inoperability.
        k: ``(n,)`` per-step rates.
        sector: ``(U,)`` sector index of each sub-service.

    Returns:
        ``(q_next, q_sub_next)``.
    """
    target = q @ a_star.T
    nxt = step(q, a_star, c_star, k)
    sub = target[..., sector] + c_sub
    sub -= q_sub
    sub *= k[sector]
    sub += q_sub
    np.clip(sub, 0.0, 1.0, out=sub)
    return nxt, sub


@dataclass(frozen=True)
class InterdependencyTable:
    """The shipped sector-to-sector table: ``A*`` plus what kind of dependency each pair is.

    Arrays are read-only so that the table can be shared between model instances and worker
    processes without one run changing another's ``A*``.

    Attributes:
        sectors: Sector keys, the order of both axes.
        a_star: ``(n, n)`` float array, rows dependent sector ``i``, columns supplier sector
            ``j``; entry = inoperability of ``i`` per unit inoperability of ``j``.
        kind: ``(n, n)`` str array: ``"physical"`` (carried by the asset graph, ``a_star`` 0),
            ``"functional"`` (carried by ``A*``, ``a_star`` > 0) or ``"none"`` (``a_star`` 0).
        rationale: ``(n, n)`` str array, one sentence per pair.
        source: ``(n, n)`` str array, where each value comes from.
    """

    sectors: tuple[str, ...]
    a_star: np.ndarray = field(repr=False)
    kind: np.ndarray = field(repr=False)
    rationale: np.ndarray = field(repr=False)
    source: np.ndarray = field(repr=False)

    @property
    def physical(self) -> np.ndarray:
        """Boolean ``(n, n)`` mask of pairs the asset graph carries."""
        return self.kind == "physical"

    @property
    def functional(self) -> np.ndarray:
        """Boolean ``(n, n)`` mask of pairs ``A*`` carries."""
        return self.kind == "functional"


def load_interdependency(
    path: str | os.PathLike[str] | None = None,
    sectors: Sequence[str] = SECTORS,
) -> InterdependencyTable:
    """Read and check the sector interdependency table.

    The CSV has one row per ordered pair (``dependent``, ``supplier``) with columns
    ``dependent,supplier,a_star,kind,rationale,source``. Everything that would make the model
    silently wrong is refused here: a missing or repeated pair, an unknown sector, a kind other
    than physical/functional/none, a physical or ``none`` pair with a non-zero value (that
    dependency would be counted twice or invented), a functional pair with a zero value, an
    empty rationale or source, and an ``A*`` that fails :func:`validate_a_star`.

    Args:
        path: CSV file; default the shipped ``abm/data/interdependency.csv``.
        sectors: Sector keys in axis order; default the project's nine sectors.

    Returns:
        The table, with arrays in the order of ``sectors``.

    Raises:
        ValueError: If the file violates any rule above (the message names file and row).
    """
    csv_path = Path(path) if path is not None else _DEFAULT_CSV
    order = tuple(sectors)
    index = {name: i for i, name in enumerate(order)}
    if len(index) != len(order):
        raise ValueError("sectors: keys must be unique")
    n = len(order)
    a = np.zeros((n, n))
    kind = np.full((n, n), "", dtype=object)
    rationale = np.full((n, n), "", dtype=object)
    source = np.full((n, n), "", dtype=object)
    seen = np.zeros((n, n), dtype=bool)

    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != _CSV_COLUMNS:
            raise ValueError(
                f"{csv_path.name}: columns must be {','.join(_CSV_COLUMNS)}, "
                f"got {','.join(reader.fieldnames or ())}"
            )
        for row in reader:
            where = f"{csv_path.name} line {reader.line_num}"
            dep, sup = row["dependent"].strip(), row["supplier"].strip()
            if dep not in index or sup not in index:
                raise ValueError(f"{where}: unknown sector in pair {dep!r} <- {sup!r}")
            i, j = index[dep], index[sup]
            if seen[i, j]:
                raise ValueError(f"{where}: pair {dep} <- {sup} appears more than once")
            seen[i, j] = True
            try:
                value = float(row["a_star"])
            except (TypeError, ValueError) as exc:
                msg = f"{where}: a_star must be a number, got {row['a_star']!r}"
                raise ValueError(msg) from exc
            if not math.isfinite(value) or value < 0.0:
                raise ValueError(f"{where}: a_star must be finite and >= 0, got {value}")
            k = row["kind"].strip()
            if k not in KINDS:
                raise ValueError(f"{where}: kind must be one of {', '.join(KINDS)}, got {k!r}")
            if k == "functional" and value <= 0.0:
                raise ValueError(f"{where}: functional pair {dep} <- {sup} needs a_star > 0")
            if k != "functional" and value != 0.0:
                raise ValueError(
                    f"{where}: {k} pair {dep} <- {sup} must have a_star 0 "
                    "(physical pairs are carried by the asset graph)"
                )
            text, src = (row["rationale"] or "").strip(), (row["source"] or "").strip()
            if not text or not src:
                raise ValueError(f"{where}: pair {dep} <- {sup} needs a rationale and a source")
            a[i, j], kind[i, j], rationale[i, j], source[i, j] = value, k, text, src

    if not seen.all():
        missing = [f"{order[i]} <- {order[j]}" for i, j in zip(*np.nonzero(~seen), strict=True)]
        raise ValueError(f"{csv_path.name}: missing pairs: {', '.join(missing)}")
    a = validate_a_star(a, name=csv_path.name)
    arrays = (a, kind.astype(str), rationale.astype(str), source.astype(str))
    for arr in arrays:
        arr.setflags(write=False)
    return InterdependencyTable(order, *arrays)


def sector_matrix(cfg: RunConfig, world: World) -> np.ndarray:
    """The A* the model uses, checked against the asset graph so no dependency counts twice."""
    if cfg.sectors.a_star is not None:
        a_star = np.asarray(cfg.sectors.a_star, dtype=float)
    else:
        a_star = load_interdependency(data_path(cfg.sectors.interdependency_file)).a_star
    for dependent, supplier in sorted(world.sector_pairs_in_graph()):
        value = a_star[SECTOR_INDEX[dependent], SECTOR_INDEX[supplier]]
        if value != 0:
            raise ConfigError(
                "sectors.a_star",
                f"entry {dependent} <- {supplier} is {value:g}, but the asset graph already "
                "carries that physical dependency; it must be 0",
            )
    return a_star
