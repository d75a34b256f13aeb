"""Tests of the inoperability input-output model and the shipped interdependency table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from abm.interdependency import (
    InterdependencyTable,
    equilibrium,
    load_interdependency,
    spectral_radius,
    step,
    validate_a_star,
)
from abm.sectors import SECTORS

# The pairs (dependent, supplier) the asset graph carries as supply edges: A* must be 0 there.


def _random_a_star(rng: np.random.Generator, n: int, rho: float = 0.7) -> np.ndarray:
    """Non-negative random matrix scaled to a given spectral radius."""
    a = rng.random((n, n))
    return a * (rho / spectral_radius(a))


def _iterate_to_rest(q, a_star, c_star, k, max_steps=20_000, tol=1e-14):
    """Iterate `step` until the largest change is below tol; return (q, steps used)."""
    for t in range(max_steps):
        nxt = step(q, a_star, c_star, k)
        if np.max(np.abs(nxt - q)) < tol:
            return nxt, t
        q = nxt
    raise AssertionError("step did not settle")


# --- equilibrium ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 9])
def test_equilibrium_matches_leontief_inverse_without_clipping(n):
    rng = np.random.default_rng(n)
    a = _random_a_star(rng, n)
    c = rng.random(n)
    x = np.linalg.solve(np.eye(n) - a, c)
    c *= 0.8 / x.max()  # keep the linear solution below 1 so no clipping binds
    expected = np.linalg.solve(np.eye(n) - a, c)
    assert expected.max() < 1.0
    np.testing.assert_allclose(equilibrium(a, c), expected, rtol=0, atol=1e-12)


def test_equilibrium_batch_over_regions():
    rng = np.random.default_rng(11)
    n, regions = 9, 11
    a = _random_a_star(rng, n)
    inv = np.linalg.inv(np.eye(n) - a)
    c = rng.random((regions, n))
    c *= 0.8 / (c @ inv.T).max()
    q = equilibrium(a, c)
    assert q.shape == (regions, n)
    np.testing.assert_allclose(q, c @ inv.T, rtol=0, atol=1e-12)
    # Each row equals the single-region answer, and deeper leading axes work too.
    np.testing.assert_allclose(q[3], equilibrium(a, c[3]), rtol=0, atol=0)
    np.testing.assert_allclose(equilibrium(a, c.reshape(1, regions, n))[0], q, rtol=0, atol=0)


def test_haimes_jiang_2001_two_sector_example():
    q = equilibrium(np.array([[0.0, 0.8], [0.2, 0.0]]), np.array([0.0, 0.6]))
    np.testing.assert_allclose(q, [0.571, 0.714], atol=5e-4)


def test_lian_haimes_2006_two_sector_example():
    q = equilibrium(np.array([[0.15, 0.5], [0.1, 0.05]]), np.array([0.0, 0.1]))
    np.testing.assert_allclose(q, [0.0660, 0.1122], atol=5e-5)


@pytest.mark.parametrize(
    ("a", "c"),
    [
        ([[0.0, 0.8], [0.2, 0.0]], [0.5, 0.6]),
        # Sector 1 saturates; sector 0 exceeds 1 only in the unclipped solution, so a scheme that
        # pins every sector above 1 would be wrong here (true answer q0 = 0.45 + 0.5 = 0.95).
        ([[0.0, 0.5], [0.0, 0.5]], [0.45, 0.9]),
    ],
)
def test_equilibrium_with_clipping_is_projected_fixed_point(a, c):
    a, c = np.array(a), np.array(c)
    q = equilibrium(a, c)
    np.testing.assert_allclose(q, np.clip(a @ q + c, 0.0, 1.0), rtol=0, atol=1e-12)
    assert np.any(q == 1.0)
    assert np.all((q >= 0.0) & (q <= 1.0))
    linear = np.linalg.solve(np.eye(2) - a, c)
    assert linear.max() > 1.0
    assert not np.allclose(q, linear)


def test_equilibrium_released_pin():
    q = equilibrium(np.array([[0.0, 0.5], [0.0, 0.5]]), np.array([0.45, 0.9]))
    np.testing.assert_allclose(q, [0.95, 1.0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_equilibrium_clipped_random_matches_fixed_point_iteration(seed):
    rng = np.random.default_rng(100 + seed)
    n = 9
    a = _random_a_star(rng, n, rho=0.8)
    c = rng.random((3, n)) * 0.6
    q = equilibrium(a, c)
    # clip(A q + c) is a monotone contraction in a weighted max norm: plain iteration converges.
    ref = np.zeros_like(c)
    for _ in range(2000):
        ref = np.clip(ref @ a.T + c, 0.0, 1.0)
    np.testing.assert_allclose(q, ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(q, np.clip(q @ a.T + c, 0.0, 1.0), rtol=0, atol=1e-12)


def test_equilibrium_rejects_bad_c_star():
    a = np.array([[0.0, 0.5], [0.2, 0.0]])
    with pytest.raises(ValueError, match="c_star"):
        equilibrium(a, np.array([0.1, 1.5]))
    with pytest.raises(ValueError, match="c_star"):
        equilibrium(a, np.array([-0.1, 0.5]))
    with pytest.raises(ValueError, match="c_star"):
        equilibrium(a, np.array([0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match="spectral radius"):
        equilibrium(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0.1, 0.1]))


# --- dynamic model -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "k",
    [
        np.full(9, 1.0),
        np.full(9, 0.05),
        np.linspace(0.02, 1.0, 9),
    ],
)
@pytest.mark.parametrize("clipped", [False, True])
def test_step_converges_to_equilibrium(k, clipped):
    rng = np.random.default_rng(7)
    n = 9
    a = _random_a_star(rng, n)
    c = rng.random((2, n)) * (0.9 if clipped else 0.05)
    target = equilibrium(a, c)
    assert np.any(target == 1.0) == clipped
    for start in (np.zeros((2, n)), np.ones((2, n))):
        q, _ = _iterate_to_rest(start, a, c, k)
        np.testing.assert_allclose(q, target, rtol=0, atol=1e-10)


def test_step_recovers_monotonically_when_shock_ends():
    rng = np.random.default_rng(3)
    n = 9
    a = _random_a_star(rng, n)
    c = rng.random(n) * 0.9
    k = np.linspace(0.05, 0.5, n)
    q = equilibrium(a, c)
    assert q.max() == 1.0  # start from a saturated state
    zero = np.zeros(n)
    history = [q]
    for _ in range(3000):
        history.append(step(history[-1], a, zero, k))
    traj = np.array(history)
    assert np.all(np.diff(traj, axis=0) <= 1e-15)
    assert traj[-1].max() < 1e-9
    assert traj[1].max() < traj[0].max() or np.any(traj[1] < traj[0])


def test_step_single_update_and_out_argument():
    a = np.array([[0.0, 0.8], [0.2, 0.0]])
    q = np.array([[0.2, 0.4], [1.0, 0.0]])
    c = np.array([[0.1, 0.0], [0.9, 0.0]])
    k = np.array([0.5, 0.25])
    expected = np.clip(q + k * (q @ a.T + c - q), 0.0, 1.0)
    q_before = q.copy()
    np.testing.assert_allclose(step(q, a, c, k), expected, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(q, q_before)  # inputs untouched
    buf = np.empty_like(q)
    assert step(q, a, c, k, out=buf) is buf
    np.testing.assert_allclose(buf, expected, rtol=0, atol=1e-15)
    step(q, a, c, k, out=q)  # in place
    np.testing.assert_allclose(q, expected, rtol=0, atol=1e-15)


def test_step_stays_in_unit_interval():
    a = np.array([[0.0, 0.9], [0.9, 0.0]])
    q = np.array([0.9, 0.9])
    q = step(q, a, np.array([1.0, 1.0]), np.array([1.0, 1.0]))
    np.testing.assert_array_equal(q, [1.0, 1.0])


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (np.zeros((2, 3)), "square"),
        (np.zeros(3), "square"),
        (np.zeros((0, 0)), "square"),
        (np.array([[0.0, -0.1], [0.2, 0.0]]), ">= 0"),
        (np.array([[0.0, np.nan], [0.2, 0.0]]), "finite"),
        (np.array([[0.0, 1.0], [1.0, 0.0]]), "spectral radius"),
        (np.array([[1.2]]), "spectral radius"),
    ],
)
def test_validate_a_star_rejects(bad, fragment):
    with pytest.raises(ValueError, match="interdependency.a_star") as err:
        validate_a_star(bad, name="interdependency.a_star")
    assert fragment in str(err.value)


def test_validate_a_star_reports_value_found():
    with pytest.raises(ValueError, match="1.2"):
        validate_a_star([[1.2]], name="x")


def test_validate_a_star_accepts_and_returns_float_copy():
    raw = [[0, 1], [0, 0]]  # nilpotent: spectral radius 0 although a row sums to 1
    a = validate_a_star(raw)
    assert a.dtype == np.float64
    assert spectral_radius(a) == 0.0


# --- shipped table -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> InterdependencyTable:
    return load_interdependency()


def test_shipped_table_shape_and_order(table):
    assert table.sectors == SECTORS
    assert len(SECTORS) == 9
    for arr in (table.a_star, table.kind, table.rationale, table.source):
        assert arr.shape == (9, 9)
    assert table.a_star.dtype == np.float64


def test_shipped_table_kinds_match_values(table):
    a, kind = table.a_star, table.kind
    assert set(np.unique(kind)) == {"physical", "functional", "none"}
    assert np.all(a[kind == "physical"] == 0.0)
    assert np.all(a[kind == "none"] == 0.0)
    assert np.all(a[kind == "functional"] > 0.0)
    assert 15 <= np.count_nonzero(kind == "functional") <= 25
    np.testing.assert_array_equal(table.physical, kind == "physical")
    np.testing.assert_array_equal(table.functional, kind == "functional")
    assert not np.any(table.physical & table.functional)


def test_shipped_table_is_a_valid_modest_a_star(table):
    a = table.a_star
    assert np.all(a >= 0.0)
    assert spectral_radius(a) < 0.5
    assert a.max() <= 0.4
    assert a.sum(axis=1).max() <= 0.6 + 1e-12
    validate_a_star(a, name="shipped")


def test_shipped_table_documents_every_pair(table):
    for arr in (table.rationale, table.source):
        assert all(str(s).strip() for s in arr.ravel())
    assert all("assumption" in s for s in table.source[table.functional])


def test_shipped_table_is_read_only(table):
    with pytest.raises(ValueError):
        table.a_star[0, 0] = 0.5


def test_shipped_table_shock_propagates(table):
    # A transport outage must reach the sectors that functionally depend on transport.
    c = np.zeros(9)
    c[SECTORS.index("transport")] = 1.0
    q = equilibrium(table.a_star, c)
    assert q[SECTORS.index("food_water")] > 0.0
    assert q[SECTORS.index("science_economy")] > 0.0
    assert q[SECTORS.index("telecom")] == 0.0


# --- loader refuses malformed files --------------------------------------------------------


def _shipped_lines() -> list[str]:
    path = Path(__file__).resolve().parents[1] / "abm" / "data" / "interdependency.csv"
    return path.read_text(encoding="utf-8").splitlines()


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "interdependency.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_loader_rejects_duplicate_pair(tmp_path):
    lines = _shipped_lines()
    with pytest.raises(ValueError, match="more than once"):
        load_interdependency(_write(tmp_path, [*lines, lines[5]]))


def test_loader_rejects_missing_pair(tmp_path):
    lines = _shipped_lines()
    with pytest.raises(ValueError, match="missing pairs"):
        load_interdependency(_write(tmp_path, lines[:-1]))


def test_loader_rejects_nonzero_physical_pair(tmp_path):
    lines = _shipped_lines()
    i = next(n for n, line in enumerate(lines) if line.startswith("health,energy,"))
    lines[i] = lines[i].replace("health,energy,0,", "health,energy,0.2,", 1)
    with pytest.raises(ValueError, match="physical pair health <- energy"):
        load_interdependency(_write(tmp_path, lines))


def test_loader_rejects_unknown_kind_and_sector(tmp_path):
    lines = _shipped_lines()
    bad_kind = [line.replace(",none,", ",both,", 1) for line in lines]
    with pytest.raises(ValueError, match="kind must be one of"):
        load_interdependency(_write(tmp_path, bad_kind))
    bad_sector = [lines[0], "defence" + lines[1][lines[1].index(",") :], *lines[2:]]
    with pytest.raises(ValueError, match="unknown sector"):
        load_interdependency(_write(tmp_path, bad_sector))
