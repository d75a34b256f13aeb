"""Build the world: regions, operators, assets and their supply-dependency graph.

The world is synthetic but grounded: asset counts follow the config's count rules (published
counts where known, population otherwise), and everything random (asset sizes, operator
ownership, which suppliers feed which consumer) comes from one ``world`` stream, so that the same
seed gives the same world whatever the scenario or mitigation.

Assets are rows of arrays, not objects. The graph is stored as *needs* (one row per asset and
resource it needs) and *edges* (one row per supplier of a need): an asset works if, for every
need, at least one supplier works or its backup lasts (see :mod:`abm.cascade`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from abm.config import WorldConfig
from abm.errors import ConfigError
from abm.sectors import SECTOR_INDEX, SECTORS

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Regions:
    """The regions of the world, in file order (the region axis of every array).

    A region may be a province or a finer unit (a municipality) inside one: ``province`` says
    which, so that configs written for the provinces (a shock "in liege", a route through
    "limburg") work at any resolution. Wherever a config names a region it may name a province,
    meaning all of the province's regions.
    """

    keys: tuple[str, ...]
    names: tuple[str, ...]
    federated_region: tuple[str, ...]
    population: np.ndarray  # float64, inhabitants
    #: Province key of each region (the region's own key at province resolution).
    province: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.province:
            object.__setattr__(self, "province", self.keys)

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def provinces(self) -> tuple[str, ...]:
        """Province keys, in order of first appearance."""
        return tuple(dict.fromkeys(self.province))

    @property
    def selectable(self) -> tuple[str, ...]:
        """Names a config may use for a place: region keys and province keys."""
        return tuple(dict.fromkeys(self.keys + self.province))

    def mask(self, names: str | Iterable[str]) -> np.ndarray:
        """Per region, whether it is one of ``names`` or lies in one of them (provinces)."""
        names = [names] if isinstance(names, str) else list(names)
        return np.isin(self.keys, names) | np.isin(self.province, names)

    def indices(self, names: str | Iterable[str]) -> np.ndarray:
        """Indices of the regions that ``names`` designate (see :meth:`mask`)."""
        return np.flatnonzero(self.mask(names))


@dataclass(frozen=True)
class Operators:
    """Infrastructure operators: one row per operator."""

    names: tuple[str, ...]
    family: tuple[str, ...]
    area: tuple[str, ...]
    sector: np.ndarray  # int
    crews: np.ndarray  # int
    response_hours: np.ndarray  # float
    cyber_maturity: np.ndarray  # float
    #: Long-lead spares each operator holds (a spare turns a long-lead repair into an
    #: ordinary one).
    spares: np.ndarray  # int

    @property
    def n(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class World:
    """Everything about Belgium that does not change during a run."""

    regions: Regions
    operators: Operators
    type_names: tuple[str, ...]
    resource_names: tuple[str, ...]
    # assets (one row each)
    asset_type: np.ndarray  # int, index into type_names
    asset_sector: np.ndarray  # int, index into SECTORS
    asset_region: np.ndarray  # int, index into regions
    asset_operator: np.ndarray  # int, index into operators
    #: Share of its (sector, region)'s baseline capacity; sums to 1 per (sector, region).
    capacity: np.ndarray
    protection: np.ndarray
    repair_median_hours: np.ndarray
    repair_sigma: np.ndarray
    #: Per asset: the share of damage events that need a long-lead item (a large transformer, a
    #: cable or pipe section), and that repair's lognormal median and log-sd.
    long_lead_probability: np.ndarray
    long_lead_median_hours: np.ndarray
    long_lead_sigma: np.ndarray
    #: People who lose service if the asset fails (see :func:`criticality`).
    criticality: np.ndarray
    # supply graph
    need_asset: np.ndarray  # int, consumer of each need
    need_resource: np.ndarray  # int, index into resource_names
    need_backup_hours: np.ndarray  # float, backup autonomy of each need
    edge_need: np.ndarray  # int, need each edge serves
    edge_supplier: np.ndarray  # int, supplying asset

    @property
    def n_assets(self) -> int:
        return len(self.asset_type)

    def sector_pairs_in_graph(self) -> set[tuple[str, str]]:
        """(dependent sector, supplier sector) pairs that the asset graph carries."""
        consumer = self.asset_sector[self.need_asset[self.edge_need]]
        supplier = self.asset_sector[self.edge_supplier]
        pairs = np.unique(np.stack([consumer, supplier], axis=1), axis=0)
        return {(SECTORS[a], SECTORS[b]) for a, b in pairs}


def data_path(name: str) -> Path:
    """A shipped data file by name, or a user's file by path."""
    path = Path(name)
    return path if path.is_absolute() or path.exists() else DATA_DIR / name


def load_regions(name: str) -> Regions:
    """Read a regions table: region, name, federated_region, population[, province]."""
    path = data_path(name)
    if not path.is_file():
        raise ConfigError("world.regions_file", f"no such file {name!r}")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    required = {"region", "name", "federated_region", "population"}
    if not rows or not required <= set(rows[0]):
        raise ConfigError("world.regions_file", f"needs columns {sorted(required)}")
    return Regions(
        keys=tuple(r["region"] for r in rows),
        names=tuple(r["name"] for r in rows),
        federated_region=tuple(r["federated_region"] for r in rows),
        population=np.array([float(r["population"]) for r in rows]),
        province=tuple(r.get("province") or r["region"] for r in rows),
    )


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - counts.sum()
    order = np.lexsort((np.arange(len(weights)), -(exact - counts)))
    counts[order[:short]] += 1
    return counts


def asset_counts(cfg: WorldConfig, regions: Regions) -> dict[str, np.ndarray]:
    """Assets per type and region, from each type's count rule."""
    counts = {}
    for name, t in cfg.asset_types.items():
        if t.by_region:
            # A count given for a province goes to its most populous regions (largest
            # remainder by population); at province resolution it is the province's own.
            n = np.zeros(regions.n, dtype=np.int64)
            for place, count in t.by_region.items():
                inside = regions.indices(place)
                n[inside] += allocate(count, regions.population[inside])
        elif t.national is not None:
            n = allocate(t.national, regions.population)
        else:
            n = np.rint(regions.population / 1e6 * t.per_million).astype(np.int64)
        counts[name] = np.maximum(n, t.min_per_region)
    return counts


def _operator_rows(cfg: WorldConfig, regions: Regions) -> list[tuple[str, str, int]]:
    """(family, area, index) for every operator the config describes."""
    rows: list[tuple[str, str, int]] = []
    for family, op in cfg.operators.items():
        if op.area == "belgium":
            areas = ["belgium"]
        elif op.area == "federated_region":
            areas = list(dict.fromkeys(regions.federated_region))
        else:
            areas = list(regions.provinces)
        for area in areas:
            rows.extend((family, area, i) for i in range(op.count_by_area.get(area, op.count)))
    return rows


def _area_of(area_kind: str, region: int, regions: Regions) -> str:
    if area_kind == "belgium":
        return "belgium"
    if area_kind == "federated_region":
        return regions.federated_region[region]
    return regions.province[region]


def _choose_suppliers(
    rng: np.random.Generator,
    consumers: np.ndarray,
    candidates: np.ndarray,
    k: int,
) -> np.ndarray:
    """For each consumer, ``k`` distinct random candidates other than itself: (n, k') array."""
    keys = rng.random((len(consumers), len(candidates)))
    keys[consumers[:, None] == candidates[None, :]] = np.inf  # never supply yourself
    k = min(k, len(candidates) - int(np.isin(consumers, candidates).any()))
    return candidates[np.argsort(keys, axis=1, kind="stable")[:, :k]]


def build_world(cfg: WorldConfig, rng: np.random.Generator) -> World:
    """Build the world from its config and its own stream ``rng``."""
    regions = load_regions(cfg.regions_file)
    type_names = tuple(cfg.asset_types)
    resource_names = tuple(cfg.resources)
    res_index = {r: i for i, r in enumerate(resource_names)}
    counts = asset_counts(cfg, regions)

    # Assets, ordered by type then region.
    a_type, a_region = [], []
    for ti, name in enumerate(type_names):
        reg = np.repeat(np.arange(regions.n), counts[name])
        a_type.append(np.full(len(reg), ti))
        a_region.append(reg)
    asset_type = np.concatenate(a_type)
    asset_region = np.concatenate(a_region)
    n = len(asset_type)
    types = [cfg.asset_types[t] for t in type_names]
    asset_sector = np.array([SECTOR_INDEX[types[t].sector] for t in asset_type], dtype=np.int64)

    # Operators: assets of a family in an area are dealt round-robin, in random order, to that
    # area's operators; operators left without assets are dropped.
    op_rows = _operator_rows(cfg, regions)
    op_lookup: dict[tuple[str, str], list[int]] = {}
    for i, (family, area, _) in enumerate(op_rows):
        op_lookup.setdefault((family, area), []).append(i)
    asset_operator = np.empty(n, dtype=np.int64)
    owner_key = [
        (types[t].operator, _area_of(cfg.operators[types[t].operator].area, r, regions))
        for t, r in zip(asset_type, asset_region, strict=True)
    ]
    members_of: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(owner_key):
        members_of.setdefault(key, []).append(i)
    for key, members in members_of.items():
        ops = np.array(op_lookup.get(key, []), dtype=np.int64)
        if len(ops) == 0:
            raise ConfigError(
                f"world.operators.{key[0]}.count_by_area", f"area {key[1]!r} has no operator"
            )
        order = rng.permutation(len(members))
        asset_operator[np.array(members)[order]] = ops[np.arange(len(members)) % len(ops)]
    used = np.unique(asset_operator)
    remap = np.full(len(op_rows), -1)
    remap[used] = np.arange(len(used))
    asset_operator = remap[asset_operator]
    op_cfgs = [cfg.operators[op_rows[i][0]] for i in used]
    operators = Operators(
        names=tuple(
            f"{op_rows[i][0]}:{op_rows[i][1]}:{op_rows[i][2]}"
            if len(op_lookup[op_rows[i][:2]]) > 1
            else f"{op_rows[i][0]}:{op_rows[i][1]}"
            for i in used
        ),
        family=tuple(op_rows[i][0] for i in used),
        area=tuple(op_rows[i][1] for i in used),
        sector=np.array([SECTOR_INDEX[o.sector] for o in op_cfgs], dtype=np.int64),
        crews=np.array([o.crews for o in op_cfgs], dtype=np.int64),
        response_hours=np.array([o.response_hours for o in op_cfgs], dtype=float),
        cyber_maturity=np.array([o.cyber_maturity for o in op_cfgs], dtype=float),
        spares=np.array([o.spares for o in op_cfgs], dtype=np.int64),
    )

    capacity = _capacities(cfg, regions, type_names, asset_type, asset_region, rng)

    # Supply graph: needs and edges, vectorised per (resource, region) group of consumers.
    need_asset_l, need_res_l, need_backup_l, n_sup_l = [], [], [], []
    for ti, t in enumerate(types):
        consumers = np.flatnonzero(asset_type == ti)
        for res, need in t.needs.items():
            need_asset_l.append(consumers)
            need_res_l.append(np.full(len(consumers), res_index[res]))
            need_backup_l.append(np.full(len(consumers), float(need.backup_hours)))
            n_sup_l.append(np.full(len(consumers), need.suppliers))
    need_asset = np.concatenate(need_asset_l) if need_asset_l else np.zeros(0, np.int64)
    need_resource = np.concatenate(need_res_l) if need_res_l else np.zeros(0, np.int64)
    need_backup = np.concatenate(need_backup_l) if need_backup_l else np.zeros(0)
    n_suppliers = np.concatenate(n_sup_l) if n_sup_l else np.zeros(0, np.int64)
    provides = np.array(
        [res_index[types[t].provides] if types[t].provides else -1 for t in asset_type]
    )
    edge_need_l, edge_sup_l = [], []
    # Each area of a resource's scope draws on its own providers: the region, its province,
    # or the whole country.
    scope_area = {
        "region": np.arange(regions.n),
        "province": np.unique(regions.province, return_inverse=True)[1],
        "national": np.zeros(regions.n, dtype=np.int64),
    }
    for ri, res in enumerate(resource_names):
        providers = np.flatnonzero(provides == ri)
        scope = scope_area[cfg.resources[res].scope]
        need_area = scope[asset_region[need_asset]]
        provider_area = scope[asset_region[providers]]
        for g in np.unique(scope):
            sel = (need_resource == ri) & (need_area == g)
            for k in np.unique(n_suppliers[sel]):
                needs_k = np.flatnonzero(sel & (n_suppliers == k))
                cands = providers[provider_area == g]
                if len(cands) == 0:
                    cands = providers  # no local supplier: fall back to the whole country
                if len(cands) == 0 or len(needs_k) == 0:
                    continue
                chosen = _choose_suppliers(rng, need_asset[needs_k], cands, int(k))
                edge_need_l.append(np.repeat(needs_k, chosen.shape[1]))
                edge_sup_l.append(chosen.ravel())
    edge_need = np.concatenate(edge_need_l) if edge_need_l else np.zeros(0, np.int64)
    edge_supplier = np.concatenate(edge_sup_l) if edge_sup_l else np.zeros(0, np.int64)
    unsupplied = np.setdiff1d(np.arange(len(need_asset)), edge_need)
    if len(unsupplied):
        k = unsupplied[0]
        raise ConfigError(
            f"world.asset_types.{type_names[asset_type[need_asset[k]]]}.needs",
            f"no asset provides {resource_names[need_resource[k]]!r}",
        )

    served = capacity * regions.population[asset_region]
    return World(
        regions=regions,
        operators=operators,
        type_names=type_names,
        resource_names=resource_names,
        asset_type=asset_type,
        asset_sector=asset_sector,
        asset_region=asset_region,
        asset_operator=asset_operator,
        capacity=capacity,
        protection=np.array([types[t].protection for t in asset_type], dtype=float),
        repair_median_hours=np.array(
            [types[t].repair_median_hours for t in asset_type], dtype=float
        ),
        repair_sigma=np.array([types[t].repair_sigma for t in asset_type], dtype=float),
        long_lead_probability=np.array(
            [types[t].long_lead_probability for t in asset_type], dtype=float
        ),
        long_lead_median_hours=np.array(
            [types[t].long_lead_median_hours for t in asset_type], dtype=float
        ),
        long_lead_sigma=np.array([types[t].long_lead_sigma for t in asset_type], dtype=float),
        criticality=criticality(served, need_asset, edge_need, edge_supplier),
        need_asset=need_asset,
        need_resource=need_resource,
        need_backup_hours=need_backup,
        edge_need=edge_need,
        edge_supplier=edge_supplier,
    )


def _capacities(
    cfg: WorldConfig,
    regions: Regions,
    type_names: tuple[str, ...],
    asset_type: np.ndarray,
    asset_region: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each asset's share of its (sector, region) capacity.

    Type shares come from ``service_shares``, renormalised over the types present in the region;
    within a type, asset sizes are gamma distributed with CV ``capacity_cv``.
    """
    n = len(asset_type)
    cv = cfg.capacity_cv
    size = rng.gamma(1.0 / cv**2, cv**2, size=n) if cv > 0 else np.ones(n)
    share = np.zeros(n)
    type_index = {t: i for i, t in enumerate(type_names)}
    for sector, shares in cfg.service_shares.items():
        for r in range(regions.n):
            present = {
                t: w
                for t, w in shares.items()
                if np.any((asset_type == type_index[t]) & (asset_region == r))
            }
            total = sum(present.values())
            if total <= 0:
                raise ConfigError(
                    f"world.service_shares.{sector}",
                    f"no asset of {sorted(shares)} in region {regions.keys[r]!r}; "
                    "every sector needs capacity in every region",
                )
            for t, w in present.items():
                members = (asset_type == type_index[t]) & (asset_region == r)
                share[members] = w / total * size[members] / size[members].sum()
    return share


def criticality(
    served: np.ndarray, need_asset: np.ndarray, edge_need: np.ndarray, edge_supplier: np.ndarray
) -> np.ndarray:
    """People who depend on each asset: the repair priority of operators.

    An asset's criticality is the population its own capacity serves, plus, for every asset that
    it supplies, that consumer's served population divided by the consumer's number of
    alternative suppliers for the same resource (a sole supplier carries its consumer fully; one
    of two carries half). An asset that serves nobody itself (a pipeline, a gas entry point, a
    cable landing) passes on what its own consumers carry, so the head of a supply chain is as
    critical as the people at its end. It is computed once, from the intact world, so
    priorities are stable and easy to explain to an operator.
    """
    per_need = np.bincount(edge_need, minlength=len(need_asset)).astype(float)
    share = 1.0 / per_need[edge_need]
    consumer = need_asset[edge_need]
    intermediary = served <= 0
    carried = served.copy()  # what a consumer passes up to its suppliers
    # Chains of intermediaries are short (entry point -> pipeline -> gas plant -> substation);
    # a bounded number of passes also keeps a cycle among them from running away.
    for _ in range(8):
        up = np.bincount(edge_supplier, weights=carried[consumer] * share, minlength=len(served))
        nxt = np.where(intermediary, up, served)
        if np.array_equal(nxt, carried):
            break
        carried = nxt
    return served + np.bincount(
        edge_supplier, weights=carried[consumer] * share, minlength=len(served)
    )
