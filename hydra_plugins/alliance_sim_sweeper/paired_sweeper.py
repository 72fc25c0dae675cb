"""``hydra/sweeper=paired``: Hydra's basic sweeper with zipped instead of crossed lists.

    alliance-sim -m hydra/sweeper=paired model.a=1,2,3 model.b=x,y,z          # 3 jobs
    alliance-sim -m hydra/sweeper=paired 'hydra.sweeper.cross=[seed]' \\
        model.a=1,2 model.b=x,y seed=1,2,3                                   # 2 pairs x 3 seeds

The pairing rule lives in :func:`sim.runner.sweep.paired_jobs`.
"""

# No ``from __future__ import annotations``: Hydra's plugin scan executes this module outside
# ``sys.modules``, where dataclasses cannot resolve string annotations; and OmegaConf reads
# ``Optional[...]`` (not ``X | None``) in structured configs.
from dataclasses import dataclass, field
from typing import Optional

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore

from sim.runner.sweep import paired_jobs


@dataclass
class PairedSweeperConf:
    """Config of the paired sweeper."""

    _target_: str = "hydra_plugins.alliance_sim_sweeper.paired_sweeper.PairedSweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045
    params: Optional[dict[str, str]] = None  # noqa: UP045
    cross: list[str] = field(default_factory=list)


ConfigStore.instance().store(group="hydra/sweeper", name="paired", node=PairedSweeperConf)


class PairedSweeper(BasicSweeper):
    """Zips the swept lists (keys in ``cross`` are crossed with the pairs)."""

    def __init__(
        self,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        cross: list[str] | None = None,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.cross = list(cross or [])

    def split_arguments(self, overrides, max_batch_size):  # type: ignore[override]
        jobs = paired_jobs(overrides, self.cross)
        if max_batch_size is None:
            return [jobs]
        return list(self.split_overrides_to_chunks(jobs, max_batch_size))
