"""Config composition outside the command line (tests, notebooks, benchmarks, the class page).

``compose(["scenario=injection_1p5b", "seed=7"])`` gives the same resolved config the command
line would, using the project's ``configs/`` folder and the typed schema.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.schema import register_configs


def config_dir() -> Path:
    """The folder of Hydra configs: ``$ALLIANCE_SIM_CONFIGS``, or the configs the package ships
    (``sim/configs``; in a checkout, ``configs/`` at the top is a link to it). Users add their own
    config folders beside them with ``--config-dir DIR``."""
    env = os.environ.get("ALLIANCE_SIM_CONFIGS")
    if env:
        return Path(env).resolve()
    return (Path(__file__).resolve().parents[1] / "configs").resolve()


def slug(text: object) -> str:
    """A name made safe as one folder-name component: letters, digits, ``.``, ``_`` and ``-``
    kept, every other run of characters (``/``, spaces, ``$``...) one ``-``; no leading dot.

    >>> slug("injection_1p5b"), slug("a/b"), slug("../x y"), slug("/root"), slug("")
    ('injection_1p5b', 'a-b', 'x-y', 'root', 'unnamed')
    """
    out = re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-.")
    return out[:64] or "unnamed"


def register_resolvers() -> None:
    """Register ``${sim_uid:}``, a short random id that makes run folders unique, and
    ``${sim_slug:x}``, a name made safe for a folder name (idempotent)."""
    if not OmegaConf.has_resolver("sim_uid"):
        OmegaConf.register_new_resolver("sim_uid", lambda: uuid.uuid4().hex[:6], use_cache=True)
    if not OmegaConf.has_resolver("sim_slug"):
        OmegaConf.register_new_resolver("sim_slug", slug)


def compose(
    overrides: list[str] | None = None, config_name: str = "config", keep_hydra: bool = False
) -> DictConfig:
    """Compose the config with Hydra's compose API.

    Args:
        overrides: command-line style overrides, e.g. ``["world=classroom5", "seed=3"]``.
        config_name: the primary config.
        keep_hydra: keep Hydra's own node (``hydra.run.dir`` and the rest), as a command's
            check needs to resolve its output folder.

    Returns:
        The composed config (without the ``hydra`` node unless asked), validated against the
        schema.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_configs()
    register_resolvers()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        cfg = hydra_compose(
            config_name=config_name,
            overrides=list(overrides or []),
            return_hydra_config=keep_hydra,
        )
    if keep_hydra:
        return cfg
    return without_hydra(cfg)


def without_hydra(cfg: DictConfig) -> DictConfig:
    """The config without Hydra's own node."""
    return OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]) if "hydra" in cfg else cfg
