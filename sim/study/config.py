"""An experiment's configuration: ``config.yaml`` beside its ``run.py``, and ``quick.yaml`` laid
over it for the quick mode (a smoke test), so that the quick mode is data, not code."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

CONFIG = "config.yaml"
QUICK = "quick.yaml"


def load_config(folder: Path, quick: bool = False) -> DictConfig:
    """The experiment's config; with ``quick``, each key of ``quick.yaml`` (a dotted path into
    the config, as in a Hydra override) replaces the value at that path whole (a list or a
    mapping is replaced, not merged).

    Raises:
        KeyError: ``quick.yaml`` names a path the config does not have (a typo would otherwise
            add a key nobody reads).
    """
    folder = Path(folder)
    cfg = OmegaConf.load(folder / CONFIG)
    if quick:
        over = OmegaConf.to_container(OmegaConf.load(folder / QUICK), resolve=False)
        for path, value in over.items():
            if OmegaConf.select(cfg, path, default=KeyError) is KeyError:
                raise KeyError(f"{folder / QUICK}: {path!r} is not a key of {CONFIG}")
            OmegaConf.update(cfg, path, value, merge=False)
    return cfg
