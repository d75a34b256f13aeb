"""What changes during a run, grouped by what it describes, each kind of state with one owner.

The world (:class:`abm.world.World`) is what a run is built on and never changes; everything a
step, an agent or a lever changes lives in one of these objects, and nowhere else:

- :class:`AssetState`: damage, repair, whether each asset works, backups, protection, guards;
- :class:`OperatorState`: repair crews (standing and surge), response time, cyber maturity;
- :class:`SectorState`: inoperability per region and sector, and sector capacity;
- :class:`ResponseState`: what responders can use (stockpiles and releases, guards, search
  rate, counter-messaging, decision procedure, surge contracts);
- :class:`CampaignState`: the campaign phase, attempts and successes per action, and each
  cell's budget, activity and learned values.

The population's state is :class:`abm.population.GroupState` and the transit's is held by
:class:`abm.transit.Transit`; both are owned by their layer.

Asset, operator and response state also record *usage*: what the run drew on (backup hours,
crews busy, stock released into a shortage, searches, counter-messaging, guards posted, cyber
attempts per operator). Nothing in a step reads them; the levers' engagement tests
(:func:`abm.levers.engagement`) do, to say whether a lever's mechanism was ever used.

Agents read and write their own rows of these arrays and keep no copies. Every field is a
numpy array whose axes are the entity axes (assets, needs, operators, regions x sectors,
sectors, cells x actions); a per-replicate number is a 0-d array. Running replicates as one
array program adds a leading replicate axis to every field without changing what the fields
are. The exceptions are :class:`AssetState`'s last fields (``degraded_next`` to
``waiting_cache``): not state but bounds and last answers its methods keep so that most steps
skip their scans of every asset (none is compared or printed; their defaults make the first
call scan, so a state built without them is right).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from abm.vocabulary import ACTIONS, SECTORS
from abm.world import World


def _scalar(value: float | int, dtype: type = float) -> np.ndarray:
    """A per-replicate number as a 0-d array (a replicate axis makes it 1-d)."""
    return np.array(value, dtype=dtype)


@dataclass
class AssetState:
    """Per asset (and per need, for backups): what happens to the asset base during a run."""

    damaged: np.ndarray
    damaged_at: np.ndarray  # hour of the damage (nan: none)
    in_repair: np.ndarray
    repair_end: np.ndarray  # hour the repair under way ends (inf: none)
    #: Hours the repair of the current damage takes once a crew starts, drawn at the damage,
    #: so crews and priorities never change how long a repair takes; once repaired, those of
    #: the last repair (the event log reports them even when it ended in the step it started);
    #: nan: never damaged.
    repair_hours: np.ndarray
    #: Hour the parts for the current damage are on site (nan: not damaged): the damage hour,
    #: or later when a long-lead item must be made or shipped (no spare was left).
    parts_at: np.ndarray
    working: np.ndarray
    compromised_until: np.ndarray  # hour a cyber compromise or closure ends (-inf: none)
    #: Hour manual or degraded operation after a cyber effect ends (-inf: none), and the share
    #: of capacity the asset gives meanwhile (1.0 when not degraded: reset when it ends).
    degraded_until: np.ndarray
    degraded_capacity: np.ndarray
    #: Per need: hours of backup left, and the hours a full backup holds.
    backup_left: np.ndarray
    backup_capacity: np.ndarray
    #: Probability that a physical attack is stopped; levers raise it (hardening).
    protection: np.ndarray
    #: Guarded by Defence now (protection at least the guards' while guarded).
    guarded: np.ndarray
    # Usage, for the levers' engagement tests (abm.levers.engagement): what the run drew on.
    #: Per need: the most hours of backup drawn at once (capacity minus what is left).
    backup_drawn: np.ndarray
    #: Per asset: the hour guards were posted on it (inf: not guarded), and whether it is
    #: guarded by guards beyond Defence's own (the Territorial Reserve's).
    guarded_from: np.ndarray
    reserve_guarded: np.ndarray
    #: Share of a drone incursion's closure hours that counter-drone measures remove (0: none);
    #: the counter_drone lever raises it.
    drone_cut: np.ndarray
    #: Not state but a bound kept by :meth:`degrade`: no degraded operation ends before this
    #: hour, so :meth:`end_degradation` need not scan the assets until then.
    degraded_next: float = field(default=-np.inf, repr=False, compare=False)
    #: Likewise no repair under way ends before this hour (kept by :meth:`start_repairs` and
    #: :meth:`finish_repairs`, and by whoever moves ``repair_end`` later or earlier).
    repairs_end_from: float = field(default=-np.inf, repr=False, compare=False)
    #: The last :meth:`intact_now` (read-only) and the hours it holds for, ``[from, until)``:
    #: until the next compromise ends, or damage, a repair or a compromise changes it.
    intact_cache: tuple[np.ndarray, float, float] | None = field(
        default=None, repr=False, compare=False
    )
    #: For :func:`agents.operator.dispatch_crews`: the damaged assets no crew works on, as
    #: bytes with the operators' response hours, those assets, and the first hour one of them
    #: can be reached (they wait for the response time and their parts).
    waiting_cache: tuple[tuple[bytes, bytes], np.ndarray, float] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def intact(cls, world: World) -> AssetState:
        """Every asset undamaged, working, with full backups and its built protection."""
        n = world.n_assets
        return cls(
            damaged=np.zeros(n, dtype=bool),
            damaged_at=np.full(n, np.nan),
            in_repair=np.zeros(n, dtype=bool),
            repair_end=np.full(n, np.inf),
            repair_hours=np.full(n, np.nan),
            parts_at=np.full(n, np.nan),
            working=np.ones(n, dtype=bool),
            compromised_until=np.full(n, -np.inf),
            degraded_until=np.full(n, -np.inf),
            degraded_capacity=np.ones(n),
            backup_left=world.need_backup_hours.copy(),
            backup_capacity=world.need_backup_hours.copy(),
            protection=world.protection.copy(),
            guarded=np.zeros(n, dtype=bool),
            backup_drawn=np.zeros(len(world.need_asset)),
            guarded_from=np.full(n, np.inf),
            reserve_guarded=np.zeros(n, dtype=bool),
            drone_cut=np.zeros(n),
        )

    def intact_now(self, hour: float) -> np.ndarray:
        """Assets neither damaged nor compromised at ``hour`` (read-only: it is kept, and
        returned again until damage, a repair, a compromise or its end changes it)."""
        cache = self.intact_cache
        if cache is not None and cache[1] <= hour < cache[2]:
            return cache[0]
        compromised = self.compromised_until > hour
        intact = ~(self.damaged | compromised)
        intact.setflags(write=False)
        until = float(self.compromised_until[compromised].min()) if compromised.any() else np.inf
        self.intact_cache = (intact, hour, until)
        return intact

    def damage(
        self, targets: np.ndarray, hour: float, repair_hours: np.ndarray, lead_hours: np.ndarray
    ) -> None:
        """Damage ``targets``, none of them damaged now (see :meth:`undamaged`): each is down
        until its parts are on site (``lead_hours`` after the damage) and a crew has then worked
        ``repair_hours`` on it (entries match ``targets``)."""
        self.damaged[targets] = True
        self.intact_cache = None
        self.damaged_at[targets] = hour
        self.repair_hours[targets] = repair_hours
        self.parts_at[targets] = hour + lead_hours

    def undamaged(self, targets: np.ndarray) -> np.ndarray:
        """Those of ``targets`` not damaged now, in the given order."""
        return targets[~self.damaged[targets]]

    def compromise(self, targets: np.ndarray, until: float | np.ndarray) -> None:
        """Take ``targets`` out of service until ``until`` (one hour, or one per target): a
        cyber outage, a closure, a grid trip."""
        c = self.compromised_until
        c[targets] = np.maximum(c[targets], until)
        self.intact_cache = None

    def degrade(
        self, targets: np.ndarray, until: np.ndarray, capacity: np.ndarray, hour: float
    ) -> None:
        """Run ``targets`` at ``capacity`` (a share) until ``until`` (entries match ``targets``):
        manual or degraded operation. An asset already degraded keeps the lower share."""
        now = self.degraded_until[targets] > hour
        old = self.degraded_capacity[targets]
        self.degraded_capacity[targets] = np.where(now, np.minimum(old, capacity), capacity)
        self.degraded_until[targets] = np.maximum(self.degraded_until[targets], until)
        if len(targets):
            self.degraded_next = min(self.degraded_next, float(self.degraded_until[targets].min()))

    def end_degradation(self, hour: float) -> bool:
        """Back to full capacity where degraded operation has ended by ``hour``; whether any
        asset's capacity changed. Scans the assets only from the hour the first degraded
        operation can end (``degraded_next``): most steps none can."""
        if hour < self.degraded_next:
            return False
        still = self.degraded_capacity < 1.0
        ended = (self.degraded_until <= hour) & still
        still &= ~ended
        self.degraded_next = float(self.degraded_until[still].min()) if still.any() else np.inf
        if not ended.any():
            return False
        self.degraded_capacity[ended] = 1.0
        return True

    def start_repairs(self, started: np.ndarray, end: np.ndarray) -> None:
        """Crews start on ``started``; each repair ends at the matching hour of ``end``."""
        self.repair_end[started] = end
        self.in_repair[started] = True
        if len(started):
            self.repairs_end_from = min(self.repairs_end_from, float(np.min(end)))

    def finish_repairs(self, by_hour: float) -> np.ndarray:
        """Complete the repairs that end by ``by_hour``; returns the repaired assets. Scans the
        assets only from ``repairs_end_from`` on: most steps no repair can end."""
        if by_hour < self.repairs_end_from:
            return np.zeros(0, dtype=np.int64)
        done = (self.in_repair & (self.repair_end <= by_hour)).nonzero()[0]
        left = self.in_repair.copy()
        left[done] = False
        self.repairs_end_from = float(self.repair_end[left].min()) if left.any() else np.inf
        if done.size:
            self.damaged[done] = False
            self.intact_cache = None
            self.in_repair[done] = False
            self.damaged_at[done] = np.nan
            self.repair_end[done] = np.inf
            self.parts_at[done] = np.nan
        return done

    def sabotage_protection(self, guard_protection: float) -> np.ndarray:
        """Protection against sabotage: guarded assets get at least the guards' protection."""
        guarded = np.maximum(self.protection, guard_protection)
        return np.where(self.guarded, guarded, self.protection)


@dataclass
class OperatorState:
    """Per operator: repair crews, response time and cyber maturity, as levers leave them."""

    #: Crews able to repair at once: standing crews plus surge crews from civil contracts.
    crews: np.ndarray
    #: Of those, surge crews (not multiplied when standing crews are).
    surge_crews: np.ndarray
    #: Hours from an asset's damage until a crew can start on it.
    response_hours: np.ndarray
    #: Probability that a cyber intrusion fails.
    cyber_maturity: np.ndarray
    #: Hour the intruder in each operator is detected and evicted (-inf: none); while it is
    #: there, a new cyber action on the operator does not face its maturity.
    intruded_until: np.ndarray
    #: Long-lead spares not yet used.
    spares_left: np.ndarray
    # Usage, for the levers' engagement tests (abm.levers.engagement).
    #: Per operator: the last hour a cyber intrusion was attempted on it (-inf: never).
    cyber_attempted: np.ndarray
    #: Per operator: the most crews busy at once, and the repairs started sooner after the
    #: damage than the operator's built response time allows.
    busy_peak: np.ndarray
    early_repairs: np.ndarray
    #: The first hour more crews were busy than standing crews, i.e. surge crews worked
    #: (inf: never).
    surge_used_from: np.ndarray

    @classmethod
    def built(cls, world: World) -> OperatorState:
        """The operators as the world built them, with no surge crews."""
        ops = world.operators
        return cls(
            crews=ops.crews.copy(),
            surge_crews=np.zeros(ops.n, dtype=np.int64),
            response_hours=ops.response_hours.copy(),
            cyber_maturity=ops.cyber_maturity.copy(),
            intruded_until=np.full(ops.n, -np.inf),
            spares_left=ops.spares.copy(),
            cyber_attempted=np.full(ops.n, -np.inf),
            busy_peak=np.zeros(ops.n, dtype=np.int64),
            early_repairs=np.zeros(ops.n, dtype=np.int64),
            surge_used_from=_scalar(np.inf),
        )

    @property
    def standing_crews(self) -> np.ndarray:
        """Crews the operators keep themselves."""
        return self.crews - self.surge_crews

    def call_surge(self, target: np.ndarray) -> None:
        """Raise surge crews to ``target`` per operator (never lower them)."""
        extra = np.maximum(target - self.surge_crews, 0)
        self.crews += extra
        self.surge_crews += extra


@dataclass
class SectorState:
    """Per region and sector: inoperability (service = 1 - it) and the capacity behind it."""

    inoperability: np.ndarray  # (regions, sectors)
    #: Per sector, capacity as a multiple of baseline demand's worth of working assets:
    #: 1 + reserve margin.
    capacity_factor: np.ndarray
    #: Capacity per region and sector from the working assets; None when it must be
    #: recomputed (assets changed, or the capacity factor did).
    capacity: np.ndarray | None = None

    @classmethod
    def whole(cls, n_regions: int, reserve_margin: np.ndarray) -> SectorState:
        """Full service everywhere, capacity at the reserve margin."""
        return cls(
            inoperability=np.zeros((n_regions, len(SECTORS))),
            capacity_factor=1.0 + reserve_margin,
        )


@dataclass
class ResponseState:
    """What the responders can use; levers change these amounts, responders decide when."""

    #: Per sector: strategic stock held, and what is left of it, in hours of the sector's
    #: normal national demand (for energy: hours of fuel for every backup generator); and
    #: whether the crisis centre has released it.
    stockpile: np.ndarray
    stock_left: np.ndarray
    released: np.ndarray
    #: Assets Defence (with the Territorial Reserve) can guard.
    guard_capacity: np.ndarray
    #: Chance per hour that the security services find each active cell.
    find_rate: np.ndarray
    #: Strategic communication's counter-messaging effort (stifling rate x (1 + it)), and the
    #: multiplier of the stifling rate in force (1 until measures are active).
    counter_messaging: np.ndarray
    stifling_multiplier: np.ndarray
    #: Multiplier of the crisis centre's decision delay (a legal framework shortens it).
    delay_factor: np.ndarray
    #: Surge crews after activation, relative to standing crews (civil contracts).
    surge_share: np.ndarray
    # Usage, for the levers' engagement tests (abm.levers.engagement).
    #: Per sector: the first and last hour released stock was drawn (inf / -inf: never).
    stock_used_from: np.ndarray
    stock_used_until: np.ndarray
    #: The first and last hour counter-messaging was in force while a narrative was spreading.
    messaging_from: np.ndarray
    messaging_until: np.ndarray
    #: The last hour the security services searched while a cell was at large (-inf: never).
    search_until: np.ndarray

    @classmethod
    def standing(
        cls,
        guarded_assets: int,
        find_rate: float,
        counter_messaging: float,
        surge_share: float,
    ) -> ResponseState:
        """The responders' own means, before any lever."""
        return cls(
            stockpile=np.zeros(len(SECTORS)),
            stock_left=np.zeros(len(SECTORS)),
            released=np.zeros(len(SECTORS), dtype=bool),
            guard_capacity=_scalar(guarded_assets, np.int64),
            find_rate=_scalar(find_rate),
            counter_messaging=_scalar(counter_messaging),
            stifling_multiplier=_scalar(1.0),
            delay_factor=_scalar(1.0),
            surge_share=_scalar(surge_share),
            stock_used_from=np.full(len(SECTORS), np.inf),
            stock_used_until=np.full(len(SECTORS), -np.inf),
            messaging_from=_scalar(np.inf),
            messaging_until=_scalar(-np.inf),
            search_until=_scalar(-np.inf),
        )

    def add_stock(self, sectors: np.ndarray, hours: float) -> None:
        """Hold ``hours`` more of strategic stock in ``sectors`` (a lever)."""
        self.stockpile[sectors] += hours
        self.stock_left[sectors] += hours

    def mark_stock_used(self, used: np.ndarray, hour: float) -> None:
        """Record that stock was drawn in the ``used`` sectors at ``hour`` (usage)."""
        np.minimum(self.stock_used_from, np.where(used, hour, np.inf), out=self.stock_used_from)
        self.stock_used_until[used] = hour


@dataclass
class CampaignState:
    """The adversary's campaign: the phase under way, what was tried, and each cell's state."""

    #: Index of the campaign phase under way in the scenario's list (-1: none yet).
    phase: np.ndarray
    #: Per action type: attempts and successes so far.
    attempts: np.ndarray
    successes: np.ndarray
    #: Per cell: action points left, whether it is still active, and (per action type) what
    #: each action has paid so far and how often it was tried.
    budget: np.ndarray
    active: np.ndarray
    value: np.ndarray
    tried: np.ndarray
    #: Cells found and dismantled by the security services.
    cells_found: np.ndarray
    #: Per cell: action points from local recruits not yet spent, and all it has gained
    #: (coupling ``local_recruits``: proxies recruited where trust has fallen, for sabotage).
    recruits: np.ndarray
    recruited: np.ndarray
    #: Sabotage actions carried out by recruits (all cells), and those that succeeded.
    proxy_attempts: np.ndarray
    proxy_successes: np.ndarray

    @classmethod
    def start(cls, budgets: np.ndarray) -> CampaignState:
        """Before the first action: every cell active with its budget; values start optimistic
        (1, the largest reward), so a learning cell tries each action until experience says
        otherwise."""
        n = len(budgets)
        return cls(
            phase=_scalar(-1, np.int64),
            attempts=np.zeros(len(ACTIONS), dtype=np.int64),
            successes=np.zeros(len(ACTIONS), dtype=np.int64),
            budget=np.asarray(budgets, dtype=float),
            active=np.ones(n, dtype=bool),
            value=np.ones((n, len(ACTIONS))),
            tried=np.zeros((n, len(ACTIONS)), dtype=np.int64),
            cells_found=_scalar(0, np.int64),
            recruits=np.zeros(n),
            recruited=np.zeros(n),
            proxy_attempts=_scalar(0, np.int64),
            proxy_successes=_scalar(0, np.int64),
        )
