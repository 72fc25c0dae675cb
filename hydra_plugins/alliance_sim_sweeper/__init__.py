"""alliance-sim's Hydra plugins (Hydra finds plugins only in the ``hydra_plugins`` package)."""
