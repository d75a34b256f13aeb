"""Configuration schema: the dataclasses Hydra checks every config against.

Types are enforced by OmegaConf when Hydra composes the config, so a typo or a wrong type stops
the run before anything happens. Every field declares, next to itself, its meaning, unit, valid
range, source (or the word assumption) and, for an assumption, a plausible range
(:mod:`abm.config.declare`); validation (:mod:`abm.validation`) checks the declared ranges and
the rules that relate several fields. Every rate is per hour and every duration is in hours
unless its name says otherwise. Defaults for Belgium live in ``configs/`` with their sources.

The schema is split by what it describes: the world and sectors (:mod:`abm.config.world`), the
population (:mod:`abm.config.people`), the adversary (:mod:`abm.config.adversary`), scenarios
(:mod:`abm.config.scenario`), and what the plans put in place (:mod:`abm.config.plan`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from abm.config.adversary import AdversaryConfig, CellConfig, CyberConfig, DisinformationConfig
from abm.config.couplings import COUPLINGS, CouplingsConfig
from abm.config.declare import (
    COUNT,
    COUNT_OR_ZERO,
    FLAG,
    NUMERICAL,
    POSITIVE,
    SEED,
    USER_CHOICE,
    Choices,
    Rule,
    param,
)
from abm.config.host_nation import HostNationConfig
from abm.config.outcomes import OutcomesConfig, WeightingConfig
from abm.config.people import (
    BehaviourConfig,
    CohortConfig,
    NarrativeDynamicsConfig,
    NarrativeSeedConfig,
    PopulationConfig,
    TrustConfig,
)
from abm.config.plan import LeverConfig, MitigationConfig, ResponderConfig, TransitConfig
from abm.config.scenario import (
    DroneIncursionConfig,
    HazardConfig,
    MigrationPushConfig,
    PhaseConfig,
    ScenarioConfig,
    ShockConfig,
    WindowConfig,
)
from abm.config.world import (
    AssetTypeConfig,
    NeedConfig,
    OperatorConfig,
    ResourceConfig,
    SectorsConfig,
    WorldConfig,
)

SENSITIVITY = "set by abm.designs.run_design (sensitivity analysis, package search)"
#: What a sweep does with completed jobs computed by other code or packages (``stale_jobs``).
STALE_POLICIES = ("redo", "refuse")


@dataclass
class DesignConfig:
    """Rows of an experimental design that this job runs (set by :func:`abm.designs.run_design`).

    With ``file`` set, the job runs design rows ``block * block_size`` to
    ``(block + 1) * block_size - 1`` of ``file`` (Parquet: ``design_row`` and one column per
    parameter of the uncertainty set in ``uncertainty``), each for ``replicates`` replicates,
    or with ``replicate_per_row`` row j for replicate j alone.
    """

    file: str | None = param(
        None,
        doc="The design (Parquet), or null for an ordinary job.",
        valid=Rule("an existing design file"),
        source=SENSITIVITY,
    )
    uncertainty: str | None = param(
        None,
        doc="The uncertainty set (YAML) whose parameters the design's columns are.",
        valid=Rule("a shipped set or a YAML file"),
        source=SENSITIVITY,
    )
    block: int = param(
        0,
        doc="Which block of rows this job runs.",
        unit="count",
        valid=COUNT_OR_ZERO,
        source=SENSITIVITY,
    )
    block_size: int = param(1, doc="Rows per block.", unit="count", valid=COUNT, source=SENSITIVITY)
    replicate_per_row: bool = param(
        False,
        doc="Design row j runs replicate j alone (paired with replicate j of another arm), "
        "instead of every row running replicates 0 .. replicates - 1.",
        valid=FLAG,
        source=SENSITIVITY,
    )


@dataclass
class RunConfig:
    """One job: a scenario on a world, run for ``replicates`` replicates."""

    seed: int = param(
        0,
        doc="The job's seed; replicate r draws from SeedSequence(seed, (r,)).",
        valid=SEED,
        source=USER_CHOICE,
    )
    replicates: int = param(
        5,
        doc="Replicates of the arm: the job runs them all, or its block of them.",
        unit="count",
        valid=COUNT,
        source=USER_CHOICE,
    )
    replicate_blocks: int = param(
        1,
        doc="Jobs that share the replicates (at most replicates): block b of B runs replicates "
        "floor(b N / B) .. floor((b + 1) N / B) - 1 of N, so that a sweep of few arms keeps "
        "every worker busy; the results are those of one job.",
        unit="count",
        valid=COUNT,
        source=USER_CHOICE,
    )
    replicate_block: int = param(
        0,
        doc="Which block of the replicates this job runs (0 .. replicate_blocks - 1).",
        unit="count",
        valid=COUNT_OR_ZERO,
        source=USER_CHOICE,
    )
    horizon_days: float = param(
        60.0,
        doc="Length of a run (a whole number of steps).",
        unit="days",
        valid=POSITIVE,
        source=USER_CHOICE,
    )
    dt_hours: float = param(
        1.0, doc="Length of a step.", unit="h", valid=POSITIVE, source=NUMERICAL
    )
    record_every_hours: float = param(
        6.0,
        doc="Hours between rows of timeseries.parquet and DataCollector records (a multiple "
        "of dt_hours).",
        unit="h",
        valid=POSITIVE,
        source=USER_CHOICE,
    )
    allow_large: bool = param(
        False,
        doc="Run a job beyond the size limit (abm.validation.MAX_REPLICATE_STEPS: replicates x "
        "design rows x steps); without it such a job is refused before it starts, since a typo "
        "(horizon_days=100000) would otherwise hold the machine for days.",
        valid=FLAG,
        source=USER_CHOICE,
    )
    print_summary: bool = param(
        True,
        doc="Print the per-sector summary table at the end of a run.",
        valid=FLAG,
        source=USER_CHOICE,
    )
    debug_fail_job: int | None = param(
        None,
        doc="Debugging sweeps: make the job with this number (hydra.job.num) fail on purpose.",
        valid=Rule("a job number or null"),
        source="testing switch",
    )
    sweep_wait: bool = param(
        False,
        doc="A sweep into a directory another sweep is using waits for it to end instead of "
        "stopping (exit status 2); see abm/sweeps.py.",
        valid=FLAG,
        source=USER_CHOICE,
    )
    stale_jobs: str = param(
        "redo",
        doc="Completed jobs of a sweep directory computed by other code or package versions: "
        "redo them, or refuse to start the sweep (exit status 2, naming what changed).",
        valid=Choices(STALE_POLICIES),
        source=USER_CHOICE,
    )
    world: WorldConfig = MISSING
    sectors: SectorsConfig = field(default_factory=SectorsConfig)
    population: PopulationConfig = MISSING
    transit: TransitConfig = field(default_factory=TransitConfig)
    #: Troops housed for months and the NATO and EU institutions (abm/host_nation.py).
    host_nation: HostNationConfig = field(default_factory=HostNationConfig)
    responders: ResponderConfig = field(default_factory=ResponderConfig)
    adversary: AdversaryConfig = MISSING
    mitigation: MitigationConfig = MISSING
    scenario: ScenarioConfig = MISSING
    #: Minimum service levels and the recovery threshold of the outcomes.
    outcomes: OutcomesConfig = field(default_factory=OutcomesConfig)
    #: How total_loss sums the sectors (configs/weighting/).
    weighting: WeightingConfig = MISSING
    #: Mechanisms that couple the campaign's instruments (configs/couplings/).
    couplings: CouplingsConfig = field(default_factory=CouplingsConfig)
    #: Design rows to run instead of the config as it is (global sensitivity analysis).
    design: DesignConfig = field(default_factory=DesignConfig)


def register_configs() -> None:
    """Register the schemas with Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)


__all__ = [
    "COUPLINGS",
    "CouplingsConfig",
    "AdversaryConfig",
    "AssetTypeConfig",
    "BehaviourConfig",
    "CellConfig",
    "CohortConfig",
    "CyberConfig",
    "DesignConfig",
    "DisinformationConfig",
    "DroneIncursionConfig",
    "HazardConfig",
    "HostNationConfig",
    "LeverConfig",
    "MigrationPushConfig",
    "MitigationConfig",
    "NarrativeDynamicsConfig",
    "NarrativeSeedConfig",
    "NeedConfig",
    "OutcomesConfig",
    "OperatorConfig",
    "PhaseConfig",
    "PopulationConfig",
    "ResourceConfig",
    "ResponderConfig",
    "RunConfig",
    "ScenarioConfig",
    "SectorsConfig",
    "ShockConfig",
    "TransitConfig",
    "TrustConfig",
    "WeightingConfig",
    "WindowConfig",
    "WorldConfig",
    "register_configs",
]
