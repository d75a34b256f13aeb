"""Hydra's basic sweeper, with each job's config composed once.

Hydra's basic sweeper composes every job's config in the launching process, one after another,
before it launches the batch (``validate_batch_is_legal``), and the launcher composes it again
in the job: a second composition of about half a second per job, in the serial part of the
sweep. For a sweep of the shipped configs the first is redundant: before anything runs,
:class:`abm.validation.InputCheck` has composed and validated the first job and checked every
value the sweep gives a key (each group option exists, each value has its type and range), and
the tests compose every shipped option. So this sweeper checks a batch only when the sweep reads
config files from outside the package (``--config-dir``, ``--config-path``,
``hydra.searchpath``), where a later job's file may fail to compose; then it does what the basic
sweeper does.

Selected in ``configs/config.yaml`` (``override hydra/sweeper: compose_once``); the sweep's
``params`` and ``max_batch_size`` are the basic sweeper's.
"""

# No ``from __future__ import annotations``: Hydra loads plugin modules outside sys.modules,
# where dataclasses cannot resolve string annotations.
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

#: Config sources that ship with the package or with Hydra (provider, schema, path).
SHIPPED_SOURCES = frozenset({("hydra", "pkg"), ("main", "pkg"), ("schema", "structured")})


@dataclass
class ComposeOnceSweeperConf:
    """The basic sweeper's options."""

    _target_: str = "hydra_plugins.abm_sweeper.compose_once.ComposeOnceSweeper"
    max_batch_size: int | None = None
    params: dict[str, str] | None = field(default=None)


ConfigStore.instance().store(
    group="hydra/sweeper", name="compose_once", node=ComposeOnceSweeperConf
)


def reads_user_files(config: Any) -> bool:
    """Whether a composed config's search path holds sources other than the package's configs
    and Hydra's own (a folder given on the command line or in ``hydra.searchpath``)."""
    sources = OmegaConf.select(config, "hydra.runtime.config_sources") or []
    return any((s.provider, s.schema) not in SHIPPED_SOURCES for s in sources)


class ComposeOnceSweeper(BasicSweeper):
    """The basic sweeper, composing a batch's configs in the launching process only when the
    sweep reads user-supplied config files (see the module's docstring)."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        if reads_user_files(self.config):
            super().validate_batch_is_legal(batch)
