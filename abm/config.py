"""Configuration schema: the dataclasses Hydra checks every config against.

Types are enforced by OmegaConf when Hydra composes the config, so a typo or a wrong type stops
the run before anything happens. What types cannot say (ranges, names, shapes, sums) is checked
by :mod:`abm.validation`. Every rate is per hour and every duration is in hours unless its name
says otherwise. Defaults for Belgium live in ``configs/`` with their sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


@dataclass
class ResourceConfig:
    """A resource that assets supply to one another (power, telecom, water, ...)."""

    #: ``region``: consumers draw on suppliers in their own region (falling back to the whole
    #: country when their region has none); ``province``: in their province (the same at
    #: province resolution); ``national``: on suppliers anywhere.
    scope: str = "region"
    description: str = ""


@dataclass
class NeedConfig:
    """One resource an asset type needs in order to work."""

    #: Distinct supplier assets each consumer is linked to; any one working suffices (OR).
    suppliers: int = 2
    #: Hours the consumer runs on its own backup (generator, battery, tank) without supply.
    backup_hours: float = 0.0


@dataclass
class OperatorConfig:
    """A family of infrastructure operators: one or more per area."""

    sector: str = MISSING
    label: str = ""
    #: ``belgium``, ``federated_region`` (Flanders, Wallonia, Brussels) or ``province``.
    area: str = "belgium"
    #: Operators per area, unless ``count_by_area`` names the area.
    count: int = 1
    count_by_area: dict[str, int] = field(default_factory=dict)
    #: Repair crews per operator (assets it can repair at the same time).
    crews: int = 2
    #: Hours from an asset's damage until a crew can start on it.
    response_hours: float = 2.0
    #: Probability that a cyber intrusion on this operator fails (used by the adversary layer).
    cyber_maturity: float = 0.5


@dataclass
class AssetTypeConfig:
    """A kind of asset: where they are, who owns them, what they need, how they are repaired."""

    sector: str = MISSING
    operator: str = MISSING
    label: str = ""
    #: Resource this type supplies to others, if any (a key of ``world.resources``).
    provides: str | None = None
    #: Count rules, applied in this order: explicit ``by_region``, else ``national`` allocated
    #: over regions by population, else ``per_million`` inhabitants; never below
    #: ``min_per_region``.
    by_region: dict[str, int] = field(default_factory=dict)
    national: int | None = None
    per_million: float = 0.0
    min_per_region: int = 0
    needs: dict[str, NeedConfig] = field(default_factory=dict)
    #: Probability that a physical attack on an asset of this type is stopped.
    protection: float = 0.3
    #: Repair duration once a crew starts: lognormal with this median (hours) and log-sd.
    repair_median_hours: float = 24.0
    repair_sigma: float = 0.5


@dataclass
class WorldConfig:
    """Belgium's regions and the synthetic asset base built on them."""

    name: str = MISSING
    #: Regions table shipped in ``abm/data`` (or a path): region, name, federated_region,
    #: population, and optionally province (the province key of a finer region):
    #: ``regions_provinces.csv`` or ``regions_municipalities.csv``.
    regions_file: str = "regions_provinces.csv"
    #: If set, every replicate gets the world built from this seed; if null, each replicate
    #: builds its own world from its ``world`` stream.
    seed: int | None = None
    #: Coefficient of variation of asset sizes within a type (gamma distributed).
    capacity_cv: float = 0.5
    #: Hours of backup regained per hour of restored supply.
    backup_recharge_per_hour: float = 1.0
    resources: dict[str, ResourceConfig] = field(default_factory=dict)
    operators: dict[str, OperatorConfig] = field(default_factory=dict)
    asset_types: dict[str, AssetTypeConfig] = field(default_factory=dict)
    #: Per sector: the share of its capacity delivered by each asset type (sums to 1).
    # Typed Any because OmegaConf 2.3 cannot merge a world that extends another
    # (world/belgium_municipalities) into a typed dict of dicts; validation checks the values.
    service_shares: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class SectorsConfig:
    """The sector layer: interdependency (IIM), recovery rates, spare capacity, loss weights."""

    #: The A* table shipped in ``abm/data`` (or a path), with a rationale per entry.
    interdependency_file: str = "interdependency.csv"
    #: An explicit n x n A* (rows: dependent sector; columns: supplier) replacing the file's.
    a_star: Any = None
    #: Per-sector IIM rate per hour (the diagonal of K); k * dt_hours must lie in (0, 1].
    k: dict[str, float] = field(default_factory=dict)
    #: Per-sector spare capacity: capacity is (1 + margin) x baseline demand.
    reserve_margin: dict[str, float] = field(default_factory=dict)
    #: Per-sector weights w_s of total_loss.
    loss_weights: dict[str, float] = field(default_factory=dict)


@dataclass
class CohortConfig:
    """A population cohort: its share of every region and how it lives through a crisis."""

    share: float = MISSING
    label: str = ""
    #: Hours of autonomy per sector a household of this cohort keeps (food and water, cash,
    #: medication, power banks, ...); sectors not named have none.
    stock_hours: dict[str, float] = field(default_factory=dict)
    #: Initial trust in institutions, in [0, 1].
    trust: float = 0.5
    #: Probability that a contact with a spreader convinces a member (before media literacy
    #: and trust).
    susceptibility: float = 0.3
    #: Share of convincing contacts that media literacy defuses.
    media_literacy: float = 0.3
    #: Extra health demand, in units of the region's baseline per member, while the member's
    #: power or water need is unmet.
    health_dependency: float = 0.0
    #: Multiplier of the propensity to leave the region.
    mobility: float = 1.0


@dataclass
class NarrativeDynamicsConfig:
    """Maki-Thompson rumour spreading within and between groups (rates per hour)."""

    #: Contacts per hour that can pass a narrative on (spreader meets ignorant).
    contact_rate: float = 0.5
    #: Contacts per hour at which a spreader meeting someone who already knows stops spreading.
    stifling_rate: float = 0.5
    #: Share of a group's contacts within its own region; the rest mix nationally.
    within_region_share: float = 0.8
    #: How much trust lowers acceptance: acceptance x (1 - trust_discount x trust).
    trust_discount: float = 0.5
    #: Largest rate x sub-step of the Runge-Kutta integration inside one model step.
    max_substep_rate: float = 0.2


@dataclass
class TrustConfig:
    """Trust in institutions (rates per hour)."""

    #: Trust lost per hour per unit of unmet-need fraction.
    loss_per_unmet: float = 0.02
    #: Trust lost per hour per unit of hostile belief (reach of all narratives, capped at 1).
    loss_per_belief: float = 0.002
    #: Share of the gap to initial trust closed per hour, scaled by the share of needs met.
    recovery: float = 0.01


@dataclass
class BehaviourConfig:
    """How beliefs and shortages change what people do."""

    #: Average hours a new believer acts on a narrative (buys, withdraws, prepares to leave)
    #: before returning to normal; behaviour follows recent acceptance, belief stays.
    behaviour_hours: float = 48.0
    #: Extra food_water demand per unit of the region acting on a panic-buying narrative.
    panic_buying_gain: float = 2.0
    #: Extra finance demand per unit of the region acting on a bank-run narrative.
    bank_run_gain: float = 3.0
    #: Hours over which hardship (the unmet-need fraction) is averaged.
    hardship_hours: float = 24.0
    #: Hardship above which people start to leave.
    hardship_threshold: float = 0.3
    #: Leaving rate per hour at full hardship.
    leave_rate: float = 0.002
    #: Leaving rate per hour per unit of the group acting on a fear narrative.
    fear_leave_rate: float = 0.0005
    #: Return rate per hour once hardship at home has fallen below half the threshold.
    return_rate: float = 0.02
    #: Share of displaced people who need public reception (the rest stay with family or
    #: in hotels).
    reception_share: float = 0.3


@dataclass
class PopulationConfig:
    """Population groups: one per region and cohort."""

    cohorts: dict[str, CohortConfig] = field(default_factory=dict)
    #: Per sector, how much residents need it (0: not at all, 1: fully). Displaced people
    #: need every sector fully, including reception (population_flows).
    need_weights: dict[str, float] = field(default_factory=dict)
    #: Hours of autonomy regained per hour of full service.
    restock_per_hour: float = 1.0
    #: People in public reception in normal times, nationally; sets the scale of the
    #: population_flows demand that displaced arrivals add.
    reception_baseline_persons: float = 33000.0
    narratives: NarrativeDynamicsConfig = field(default_factory=NarrativeDynamicsConfig)
    trust: TrustConfig = field(default_factory=TrustConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)


@dataclass
class NarrativeSeedConfig:
    """A narrative seeded into chosen groups at an hour."""

    name: str = MISSING
    at_hour: float = 0.0
    #: The behaviour it pushes: panic_buying, bank_run, fear (leave the region) or distrust.
    behaviour: str = MISSING
    #: Multiplier of the spreading rate (how catchy it is).
    virality: float = 1.0
    #: Share of each target group made spreaders at the seeding hour.
    seed_fraction: float = 0.001
    #: Target regions and cohorts; empty means all.
    regions: list[str] = field(default_factory=list)
    cohorts: list[str] = field(default_factory=list)


@dataclass
class CellConfig:
    """A hostile cell: what it can do, how much, where, and how careful it is."""

    label: str = ""
    #: Action points for the whole campaign; each action costs ``adversary.action_costs``.
    budget: float = 10.0
    #: Per action type (sabotage, cyber, disinformation): skill in [0, 1], the probability of
    #: success against an unprotected target; 0 means the cell cannot do it.
    capabilities: dict[str, float] = field(default_factory=dict)
    #: ``random`` targets, or ``weighted`` by criticality x vulnerability.
    strategy: str = "weighted"
    #: Per action type: probability that the action exposes the cell and it is dismantled.
    detection: dict[str, float] = field(default_factory=dict)
    #: Actions per day while the cell is active (outside windows, or inside them).
    actions_per_day: float = 1.0
    #: Regions it operates in (sabotage and disinformation targets); empty means all.
    regions: list[str] = field(default_factory=list)


@dataclass
class CyberConfig:
    """How cyber intrusions play out once they succeed."""

    #: Hours an operator's assets stay compromised: lognormal median and log-sd.
    dwell_median_hours: float = 48.0
    dwell_sigma: float = 0.5
    #: Share of a compromised operator's assets taken down (each independently).
    asset_share: float = 0.25
    #: Probability that a compromise spreads to an operator linked by supply edges, before
    #: that operator's cyber maturity.
    spread_probability: float = 0.2
    #: Sectors where an intrusion is ransomware: the dwell time is multiplied.
    ransomware_sectors: list[str] = field(default_factory=list)
    ransomware_dwell_multiplier: float = 2.0


@dataclass
class DisinformationConfig:
    """What a disinformation action seeds."""

    #: Weights of the behaviours the adversary's narratives push.
    behaviours: dict[str, float] = field(default_factory=dict)
    #: Virality of adversary narratives and the share of target groups made spreaders.
    virality: float = 2.0
    seed_fraction: float = 0.002


@dataclass
class AdversaryConfig:
    """The hostile cells of a campaign; the scenario says which dimensions they may use."""

    name: str = MISSING
    cells: dict[str, CellConfig] = field(default_factory=dict)
    action_costs: dict[str, float] = field(default_factory=dict)
    cyber: CyberConfig = field(default_factory=CyberConfig)
    disinformation: DisinformationConfig = field(default_factory=DisinformationConfig)
    #: Cells learn which action types pay (an epsilon-greedy bandit rewarded by the disruption
    #: each action causes), instead of choosing in proportion to their capabilities.
    adaptive: bool = False
    #: Share of actions still chosen by capability, to keep exploring.
    exploration: float = 0.1
    #: Weight of the newest reward in an action's learned value.
    learning_rate: float = 0.3


@dataclass
class WindowConfig:
    """A window in which the cells strike together."""

    start_hour: float = MISSING
    end_hour: float = MISSING


@dataclass
class LeverConfig:
    """A mitigation lever: one mechanism, its strength, its cost and when it starts acting.

    What ``strength`` means, its unit and range, and what ``targets`` names are declared per
    ``kind`` in the lever registry (:data:`abm.levers.LEVERS`; the lever table of docs/ODD.md).
    """

    kind: str = MISSING
    label: str = ""
    strength: float = MISSING
    #: What the lever acts on: asset types, sectors or cohorts, as its kind declares; empty
    #: means all.
    targets: list[str] = field(default_factory=list)
    start_hour: float = 0.0
    #: Cost in million euro, with a low and high bound where it is uncertain.
    cost_meur: float = MISSING
    cost_low_meur: float | None = None
    cost_high_meur: float | None = None
    #: prebunking only: share of each target group reached, and the days over which the
    #: effect decays by a factor e.
    reach: float = 1.0
    decay_days: float | None = None


@dataclass
class MitigationConfig:
    """A package of levers; its cost is the sum of its levers' costs."""

    name: str = MISSING
    description: str = ""
    levers: dict[str, LeverConfig] = field(default_factory=dict)


@dataclass
class TransitConfig:
    """Allied reception and transit: two brigade-equivalents landed at the ports and moved east.

    Assumptions: a brigade-equivalent of about 5,000 personnel and 1,500 vehicles moves as six
    battalion-sized serials; both brigades land at once, over a day and a half, at Antwerp,
    Zeebrugge and Ghent; each serial stages for a day, then crosses the provinces of its route
    to the eastern border, one province per leg.
    """

    enabled: bool = True
    brigades: int = 2
    serials_per_brigade: int = 6
    personnel_per_serial: float = 830.0
    vehicles_per_serial: float = 250.0
    #: Landing regions (ports) with the share of serials landing there.
    ports: dict[str, float] = field(default_factory=dict)
    #: Per landing region, the regions crossed on the way to the border, in order.
    routes: dict[str, list[str]] = field(default_factory=dict)
    first_arrival_hour: float = 72.0
    #: Hours between two serials landing at the same port.
    arrival_interval_hours: float = 6.0
    staging_hours: float = 24.0
    #: Share of serials with heavy (tracked) equipment, which move by rail only.
    heavy_share: float = 0.5
    #: Hours to cross one region by rail and by road.
    rail_leg_hours: float = 6.0
    road_leg_hours: float = 8.0
    #: Hour by which every serial should have crossed the border.
    deadline_hour: float = 336.0
    #: A region is passable only with at least this service in energy (fuel, traction power)
    #: and telecom (coordination).
    min_support_service: float = 0.5
    #: Extra demand per serial present in a region on food_water and health (host-nation
    #: support), as persons fed and cared for.
    support_persons_per_personnel: float = 1.0


@dataclass
class ResponderConfig:
    """The responders: crisis centre, Defence, security services, strategic communication."""

    #: Crisis centre: national mean service below this, or any successful attack, raises the
    #: crisis level and starts the decision clock.
    alert_service: float = 0.99
    #: Hours from the alert to the activation of measures, before the effects below.
    decision_delay_hours: float = 24.0
    #: Extra delay per unit of public administration inoperability (cyber on the state) and per
    #: unit of distrust belief (narratives aimed at officials), as multiples of the delay.
    delay_per_admin_outage: float = 2.0
    delay_per_distrust: float = 1.0
    #: Defence: assets guarded after activation, most critical corridor and vital assets first,
    #: and the protection a guard gives.
    guarded_assets: int = 3
    guard_protection: float = 0.9
    #: Security services: chance per hour of finding and dismantling an active cell.
    find_rate_per_hour: float = 0.0003
    #: Strategic communication: stifling rate multiplier after activation.
    counter_messaging: float = 0.0
    #: Civil repair contracts: crews added after activation, relative to standing crews.
    surge_crews: float = 0.0


@dataclass
class HazardConfig:
    """A natural hazard (the climate theme): assets damaged by type and region, demand shifted
    for its duration."""

    name: str = MISSING
    at_hour: float = 0.0
    duration_hours: float = 24.0
    #: Regions hit; empty means all.
    regions: list[str] = field(default_factory=list)
    #: Per asset type, the probability that each of its assets in the regions is damaged.
    damage: dict[str, float] = field(default_factory=dict)
    #: Per sector, extra demand in the regions while the hazard lasts (a share of normal).
    demand: dict[str, float] = field(default_factory=dict)
    #: Share of the regions' residents whose homes become uninhabitable: displaced at once.
    displaced_share: float = 0.0
    #: Hours after the hazard before they can go home.
    return_after_hours: float = 0.0


@dataclass
class PhaseConfig:
    """A phase of a campaign (priming, destabilisation, coercion): from its start hour, the
    cells act at ``intensity`` times their tempo, with these weights on their action types."""

    name: str = MISSING
    start_hour: float = 0.0
    intensity: float = 1.0
    #: Per action type, a multiplier of the cells' capability as the weight of choosing it.
    weights: dict[str, float] = field(default_factory=dict)
    #: While allied serials are landing or moving, sabotage goes for their routes.
    corridor_focus: bool = False


@dataclass
class DroneIncursionConfig:
    """Drones over a site close it for hours, without damage (as over Brussels and Liège
    airports on 4 November 2025, FACTS.md)."""

    at_hour: float = MISSING
    hours: float = 4.0
    region: str = MISSING
    asset_type: str = "airport"


@dataclass
class MigrationPushConfig:
    """Instrumentalised migration: people pushed at a border, needing reception there."""

    start_hour: float = MISSING
    end_hour: float = MISSING
    region: str = MISSING
    #: People arriving over the push (evenly), who need reception while the push lasts.
    persons: float = MISSING


@dataclass
class ShockConfig:
    """A scripted event: assets damaged at an hour."""

    at_hour: float = 0.0
    #: ``damage``: assets of ``asset_type`` in ``region``; ``grid_loss``: every asset in
    #: ``region`` that provides power.
    kind: str = "damage"
    region: str = MISSING
    asset_type: str | None = None
    #: Damage the ``count`` most critical matching assets ...
    count: int | None = None
    #: ... or each matching asset independently with this probability (hazard stream).
    probability: float | None = None
    label: str = ""


@dataclass
class ScenarioConfig:
    """What happens: timed shocks and seeded narratives."""

    name: str = MISSING
    description: str = ""
    shocks: list[ShockConfig] = field(default_factory=list)
    narratives: list[NarrativeSeedConfig] = field(default_factory=list)
    #: Dimensions the adversary's cells may use: sabotage, cyber, disinformation; empty
    #: means no adversary.
    adversary_dimensions: list[str] = field(default_factory=list)
    #: Windows in which the cells strike together; empty means they act throughout.
    adversary_windows: list[WindowConfig] = field(default_factory=list)
    #: Asset types sabotage may target; empty means all.
    adversary_target_types: list[str] = field(default_factory=list)
    #: Campaign phases; empty means one phase at the cells' own tempo and choices.
    adversary_phases: list[PhaseConfig] = field(default_factory=list)
    #: Multiplier of every cell's budget in this scenario.
    adversary_budget_scale: float = 1.0
    #: After the crisis centre activates measures, the adversary turns on the state: weights
    #: of cyber and disinformation are multiplied by this.
    adversary_crisis_shift: float = 1.0
    hazards: list[HazardConfig] = field(default_factory=list)
    migration_pushes: list[MigrationPushConfig] = field(default_factory=list)
    drone_incursions: list[DroneIncursionConfig] = field(default_factory=list)


@dataclass
class DesignConfig:
    """Rows of an experimental design that this job runs (set by ``experiments.sensitivity``).

    With ``file`` set, the job runs design rows ``block * block_size`` to
    ``(block + 1) * block_size - 1`` of ``file`` (Parquet: ``design_row`` and one column per
    parameter of the uncertainty set in ``uncertainty``), each for ``replicates`` replicates.
    """

    #: The design (Parquet), or null for an ordinary job.
    file: str | None = None
    #: The uncertainty set (YAML) whose parameters the design's columns are.
    uncertainty: str | None = None
    #: Which block of rows this job runs.
    block: int = 0
    #: Rows per block.
    block_size: int = 1


@dataclass
class RunConfig:
    """One job: a scenario on a world, run for ``replicates`` replicates."""

    seed: int = 0
    replicates: int = 5
    horizon_days: float = 60.0
    dt_hours: float = 1.0
    #: Hours between rows of timeseries.parquet and DataCollector records.
    record_every_hours: float = 6.0
    #: Print the per-sector summary table at the end of a run.
    print_summary: bool = True
    #: Debugging sweeps: make the job with this number (``hydra.job.num``) fail on purpose.
    debug_fail_job: int | None = None
    world: WorldConfig = MISSING
    sectors: SectorsConfig = field(default_factory=SectorsConfig)
    population: PopulationConfig = MISSING
    transit: TransitConfig = field(default_factory=TransitConfig)
    responders: ResponderConfig = field(default_factory=ResponderConfig)
    adversary: AdversaryConfig = MISSING
    mitigation: MitigationConfig = MISSING
    scenario: ScenarioConfig = MISSING
    #: Design rows to run instead of the config as it is (global sensitivity analysis).
    design: DesignConfig = field(default_factory=DesignConfig)


def register_configs() -> None:
    """Register the schemas with Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)
