"""Mitigation packages: a package is a set of levers (:mod:`abm.levers`) and costs their sum.

A lever's cost has a basis: a one-off investment that serves ``lifetime_years`` and a running
cost per year. What a package costs is reported as an annualised cost, million euro per year:
investment / lifetime + running cost, summed over the levers. Annualising is straight-line and
undiscounted (stated in :class:`abm.config.LeverConfig`), so a package of levers with different
lifetimes compares on one yearly figure. Hydra merges a repeated key by keeping the last value,
so a package's cost is added up here, in code, never in the configs.
"""

from __future__ import annotations

from abm.config import LeverConfig, MitigationConfig


def levers(mitigation: MitigationConfig) -> list[LeverConfig]:
    """The levers a package buys (``mitigation.without`` is already taken out of a run config:
    :func:`abm.api.remove_levers`)."""
    return list(mitigation.levers.values())


def _bound(value: float, bound: float | None) -> float:
    """A bound of a cost, the value itself when the bound is unset."""
    return float(value if bound is None else bound)


def annualised_cost(lever: LeverConfig) -> float:
    """A lever's annualised cost, M EUR per year: investment / lifetime + running cost."""
    return float(lever.investment_meur / lever.lifetime_years + lever.yearly_meur)


def annualised_cost_range(lever: LeverConfig) -> tuple[float, float]:
    """Low and high annualised cost of a lever, from the bounds of its investment and running
    cost (a bound left unset counts at the value; the lifetime is the stated one)."""
    low = _bound(lever.investment_meur, lever.investment_low_meur) / lever.lifetime_years + _bound(
        lever.yearly_meur, lever.yearly_low_meur
    )
    high = _bound(
        lever.investment_meur, lever.investment_high_meur
    ) / lever.lifetime_years + _bound(lever.yearly_meur, lever.yearly_high_meur)
    return float(low), float(high)


def package_cost(mitigation: MitigationConfig) -> float:
    """A package's annualised cost, M EUR per year: the sum of its levers' (Hydra merging
    cannot add; code does)."""
    return float(sum(annualised_cost(lever) for lever in levers(mitigation)))


def package_cost_range(mitigation: MitigationConfig) -> tuple[float, float]:
    """Low and high annualised cost of a package, M EUR per year."""
    ranges = [annualised_cost_range(lever) for lever in levers(mitigation)]
    return float(sum(r[0] for r in ranges)), float(sum(r[1] for r in ranges))


def package_investment(mitigation: MitigationConfig) -> float:
    """The package's one-off investment, M EUR."""
    return float(sum(lever.investment_meur for lever in levers(mitigation)))


def package_yearly(mitigation: MitigationConfig) -> float:
    """The package's running cost, M EUR per year."""
    return float(sum(lever.yearly_meur for lever in levers(mitigation)))


def cost_columns(mitigation: MitigationConfig) -> dict[str, float]:
    """The cost columns of a summary row: annualised cost with its bounds (M EUR per year),
    one-off investment (M EUR) and running cost (M EUR per year)."""
    low, high = package_cost_range(mitigation)
    return {
        "mitigation_cost_meur": package_cost(mitigation),
        "mitigation_cost_low_meur": low,
        "mitigation_cost_high_meur": high,
        "mitigation_investment_meur": package_investment(mitigation),
        "mitigation_yearly_meur": package_yearly(mitigation),
    }
