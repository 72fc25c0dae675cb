"""The command-line faces: ``alliance-sim`` (one run, or a sweep with -m)."""
