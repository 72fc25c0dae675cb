"""The numerical core: pure numpy functions, no Mesa, Hydra, files or plots.

Everything the model computes (payoffs, best responses, energies, cliques) is reachable from a
notebook through these modules alone.
"""
