"""Check a command line before Hydra starts: compose and validate every config it names.

User errors (an unknown scenario, world, key or actor; a wrong type; a negative amount; a bad
data file) become one line naming the problem and the fix, and nothing is written. Sweeps
(``-m`` with ``a,b`` values) are checked value by value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import UserError, wrong_value

HYDRA_ONLY_FLAGS = {
    "--help",
    "-h",
    "--hydra-help",
    "--info",
    "-i",
    "--cfg",
    "-c",
    "--shell-completion",
    "-sc",
    "--version",
}
FLAGS_WITH_VALUE = {
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--package",
    "-p",
    "--cfg",
    "-c",
    "--info",
    "-i",
    "--experimental-rerun",
}


OPEN_DICTS = {
    f"world.{name}"
    for name in (
        "affinity",
        "trade_exposure_pct_gdp",
        "ties",
        "treaties",
        "aggregates",
        "data_overrides",
        "regime",
        "gdp_growth",
        "gdp_path",
        "projection_range_km",
        "credibility",
        "coercion_propensity",
        "min_pct_gdp",
        "max_pct_gdp",
    )
} | {
    "scenario.events",
    "model.predicates.budget_states",
    "model.predicates.share_states",
    "priors",
}
"""Config dicts whose keys are the user's own (pairs, states, names, the priors' config paths):
new entries need '+'."""


def check_flags(argv: list[str]) -> None:
    """The command line's flags, read by Hydra's own parser, whose mistakes (an unknown flag, a
    flag without its value) become one line instead of Hydra's usage block.

    Raises:
        UserError: the parser's message, with where to look.
    """
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()

    def error(message: str):
        raise UserError(f"{message}; see alliance-sim --help")

    parser.error = error  # type: ignore[method-assign]
    args = parser.parse_args(argv)
    modes = [
        flag
        for flag, value in (
            ("--run", args.run),
            ("-m", args.multirun),
            ("--cfg", args.cfg),
            ("--info", args.info),
            ("--shell-completion", args.shell_completion),
        )
        if value
    ]
    if len(modes) > 1:
        raise UserError(f"{' and '.join(modes)} cannot be used together; give one of them")
    unsupported = [
        flag
        for flag, value in (
            ("--config-path", args.config_path),
            ("--config-name", args.config_name),
            ("--package", args.package),
            ("--experimental-rerun", args.experimental_rerun),
        )
        if value is not None
    ]
    if unsupported:
        raise UserError(
            f"{unsupported[0]} is not supported: alliance-sim composes its own config.yaml; add "
            "a folder of your own configs with --config-dir DIR (or hydra.searchpath=[...])"
        )
    if args.config_dir is not None and not Path(args.config_dir).expanduser().is_dir():
        raise UserError(f"--config-dir {args.config_dir} is not a folder; give a config folder")
    if args.resolve and not (args.cfg or args.help):
        raise UserError("--resolve only goes with --cfg (e.g. --cfg job --resolve)")
    if args.shell_completion:
        verbs = [o.partition("=")[0] for o in args.overrides]
        if len(verbs) != 1 or verbs[0] not in ("install", "uninstall", "query"):
            raise UserError(
                "--shell-completion needs one of install=SHELL, uninstall=SHELL or query=SHELL "
                "(e.g. --shell-completion install=bash)"
            )


USER_CONFIG_DIRS: list[Path] = []
"""The user's config folders of the command line being checked (``--config-dir``): their
options are listed beside the shipped ones when a choice is unknown."""


def search_path(argv: list[str], overrides: list[str]) -> list[str]:
    """Overrides that give composition the user's own config folders, as Hydra will have them:
    ``--config-dir DIR`` and any ``hydra.searchpath=[...]`` of the command line."""
    out = [o for o in overrides if o.lstrip("+").startswith("hydra.searchpath=")]
    for i, arg in enumerate(argv):
        folder = None
        if arg in ("--config-dir", "-cd") and i + 1 < len(argv):
            folder = argv[i + 1]
        elif arg.startswith("--config-dir="):
            folder = arg.split("=", 1)[1]
        if folder is not None:
            path = Path(folder).expanduser().absolute()
            USER_CONFIG_DIRS.append(path)
            out.append(f"hydra.searchpath=[{hydra_value(f'file://{path}')}]")
    return out


def split_argv(argv: list[str]) -> tuple[list[str], bool, bool]:
    """Overrides of the command line, whether it is a multirun, and whether Hydra alone should
    answer it (help, info, printing the config)."""
    overrides, multirun, hydra_only = [], False, False
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg.split("=")[0] in HYDRA_ONLY_FLAGS:
            hydra_only = True
            skip = (
                arg in FLAGS_WITH_VALUE
                and "=" not in arg
                and i + 1 < len(argv)
                and not argv[i + 1].startswith("-")
            )
        elif arg.startswith("-"):
            skip = arg in FLAGS_WITH_VALUE and "=" not in arg
        else:
            overrides.append(arg)
    return overrides, multirun, hydra_only


def _group_options(group: str) -> list[str]:
    from sim.runner.config import config_dir

    folders = [config_dir() / group, *(d / group for d in USER_CONFIG_DIRS)]
    return sorted({p.stem for f in folders if f.is_dir() for p in f.glob("*.yaml")})


def explain(exc: Exception) -> str:
    """One line for a Hydra or OmegaConf composition error."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        text = f"{text}\n{cause}"
    if "while resolving interpolation" in first or "Interpolation key" in first:
        where = re.search(r"full_key: ([\w.\[\]-]+)", text)
        reason = first.split("while resolving interpolation:")[-1].strip()
        return (
            f"{where.group(1) if where else 'a setting'}: cannot resolve an interpolation "
            f"(${{...}}): {reason}"
        )
    missing = re.search(r"Could not (?:find|load) '([^/']+)/([^']*)'", text)
    if missing:
        group, option = missing.groups()
        options = ", ".join(_group_options(group))
        if not option:
            return f"{group}= needs a value: one of {options}"
        return f"unknown {group} '{option}'; available: {options}"
    several = re.search(r"Ambiguous value for argument '([^']+)'", text)
    if several:
        arg = several.group(1)
        return (
            f"'{arg}' lists several values, which makes a sweep: add -m "
            f"(alliance-sim -m {arg} ...), or give one value"
        )
    exists = re.search(r"Could not append to config\. An item is already at '([^']+)'", text)
    if exists:
        key = exists.group(1)
        return f"'{key}' is already set: drop the leading '+' to change it ({key}=VALUE)"
    missing_group = re.search(r"Could not override '([^']+)'", text)
    key_match = re.search(r"Key '([^']+)' (?:not in '[^']+'|is not in struct)", text)
    if key_match:
        key = missing_group.group(1) if missing_group else key_match.group(1)
        parent = key.rsplit(".", 1)[0]
        if parent in OPEN_DICTS or parent.startswith("priors."):
            return (
                f"'{key}' is not set yet: add a new entry with a leading '+', e.g. +{key}=VALUE "
                "(or check the spelling)"
            )
        return (
            f"unknown key '{key}' ('{key_match.group(1)}' is not a setting there); check the "
            "spelling, or list every key with: alliance-sim --cfg job"
        )
    if missing_group and "No match in the defaults list" in text:
        return (
            f"'{missing_group.group(1)}' is not a config group; groups: world, scenario, model, "
            "priors"
        )
    value = wrong_value(text)
    full_key = re.search(r"full_key: ([\w.\[\]-]+)", text)
    if value:
        return f"{full_key.group(1) if full_key else 'a setting'}: {value}"
    if "world.gdp_path" in text or "to Dict[int, Any]" in text:  # keys are years (int)
        return (
            "world.gdp_path maps each state to its figures by year, written as a mapping: "
            "+world.gdp_path.FIN={2025: 300.0, 2026: 310.0}"
        )
    if "Missing mandatory value" in text and full_key:
        return f"{full_key.group(1)} must be set (e.g. {full_key.group(1)}=VALUE)"
    if (
        "mismatched input" in text
        or "token recognition error" in text
        or "no viable alternative" in text
    ):
        return f"cannot parse the override: {first}; write key=value (quote values with spaces)"
    return f"{first} ({type(exc).__name__})"


def compose_checked(overrides: list[str], hydra_overrides: list[str] | None = None):
    """Compose a config; any composition error becomes a UserError.

    Args:
        overrides: the config's overrides.
        hydra_overrides: Hydra's own overrides of the command line; given, the config keeps
            its ``hydra`` node (for the output folder, :func:`output_folder`).
    """
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from sim.runner.config import compose, without_hydra

    keep = hydra_overrides is not None
    try:
        cfg = compose([*overrides, *(hydra_overrides or [])], keep_hydra=keep)
        # interpolations resolve when read: read them all now, so a broken one is an error
        # here, not a traceback later
        OmegaConf.to_container(without_hydra(cfg), resolve=True)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise UserError(explain(exc)) from None
    return cfg


def expand_sweeps(overrides: list[str]) -> list[list[str]]:
    """Override lists that together touch every value of every sweep once.

    The first list takes the first value of each sweep; each further list changes one sweep to
    one of its other values.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as exc:
        raise UserError(explain(exc)) from None
    base, choices = [], []
    for o in parsed:
        if o.is_sweep_override():
            values = [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()]
            choices.append((len(base), values))
            base.append(values[0])
        else:
            base.append(o.input_line)
    out = [base]
    for pos, values in choices:
        for v in values[1:]:
            variant = list(base)
            variant[pos] = v
            out.append(variant)
    return out


SHARED_ACROSS = ("hydra", "run", "seed")
"""The nodes that ``config_key`` leaves out: what to run, how and where, and the seed. Configs
that differ only there build the same world, events and parameters, and the same base-year
calibration (it does not depend on the seed), so the jobs of a sweep over them share one
``Prepared``: a sweep over seeds or replicates calibrates once (with the basic launcher, in
one process)."""


def config_key(cfg) -> str:
    """A config's model identity: its YAML without the nodes of ``SHARED_ACROSS``, with every
    interpolation resolved (``model.horizon=${seed}`` differs from seed to seed)."""
    from omegaconf import OmegaConf

    kept = {k: OmegaConf.to_container(cfg[k], resolve=True) for k in cfg if k not in SHARED_ACROSS}
    return OmegaConf.to_yaml(kept)


@dataclass
class Plan:
    """What a checked command line will do: the prepared configs, and the output folder,
    resolved once to an absolute path (a run folder, or a sweep's folder with ``-m``)."""

    prepared: dict = field(default_factory=dict)
    folder: Path | None = None
    key: str = "hydra.run.dir"
    multirun: bool = False
    done: bool = False  # a single run resumed in a folder where it is complete: nothing to do


def check(argv: list[str]) -> Plan:
    """Validate the command line; raise UserError with one line if anything is wrong.

    Returns:
        The plan: the prepared world and events of every config checked, by ``config_key``
        (so that the run need not build them again), and the output folder. Nothing is
        created: :func:`claim_output` does that once the whole command line has passed.
    """
    check_flags(argv)
    overrides, multirun, hydra_only = split_argv(argv)
    if "--shell-completion" in argv or "-sc" in argv:
        return Plan()
    search = search_path(argv, overrides)
    if hydra_only:  # --cfg, --info ...: Hydra answers, but the overrides must compose
        model_overrides = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
        for combo in expand_sweeps(model_overrides) if multirun else [model_overrides]:
            compose_checked([*combo, *search])
        return Plan()
    from sim.runner.config import without_hydra
    from sim.runner.simulate import prepare

    model_overrides = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    check_additions(model_overrides)
    check_plugins(overrides)
    combos = expand_sweeps(model_overrides) if multirun else [model_overrides]
    hydra_overrides = [o for o in overrides if o.lstrip("+~").startswith("hydra")]
    extra = [o for o in search if o not in overrides]  # --config-dir
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    first = compose_checked([*combos[0], *extra], hydra_overrides)  # with Hydra's node
    prepared = {}
    for n, combo in enumerate(combos):
        cfg = without_hydra(first) if n == 0 else compose_checked([*combo, *search])
        model = config_key(cfg)
        same = prepared.get(model)  # every combo checked; one Prepared a model
        checked = prepare(cfg, same.world if same is not None else None)
        prepared.setdefault(model, checked)
    folder = output_folder(first, key)  # after the checks of the values it may name
    sweeper = check_sweeper(overrides, model_overrides) if multirun else None
    check_folders(overrides, folder, multirun, bool(cfg.run.resume))
    if bool(cfg.run.resume):
        check_resume(folder, multirun, model_overrides, sweeper, cfg)
    from sim.runner.output import is_complete

    done = not multirun and bool(cfg.run.resume) and is_complete(folder)
    return Plan(prepared, folder, key, multirun, done)


def output_folder(cfg, key: str) -> Path:
    """The run (or sweep) folder this command will write, as an absolute path: the folder
    pattern of the config (``hydra.run.dir`` / ``hydra.sweep.dir``, with the user's overrides;
    ``cfg`` is the config composed with Hydra's node) resolved once, here, so that every
    launcher's jobs write where the submitter looks.

    Raises:
        UserError: the pattern cannot be resolved, or resolves to a path Hydra cannot take.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        text = str(OmegaConf.select(cfg, key, throw_on_missing=True))
    except (OmegaConfBaseException, ValueError) as exc:
        message = explain(exc)
        raise UserError(message if message.startswith(key) else f"{key}: {message}") from None
    if not text.strip():
        raise UserError(f"{key} is empty; give a folder path")
    if "${" in text or "\0" in text:
        raise UserError(f"{key} '{text}' cannot be used as a folder path; give a plain path")
    return Path(text).expanduser().absolute()


def hydra_value(path: Path | str) -> str:
    """A path as a quoted value of a Hydra override (quotes and backslashes escaped)."""
    escaped = str(path).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def with_folder(argv: list[str], plan: Plan) -> list[str]:
    """The command line with the output folder given explicitly (absolute), replacing any
    folder the user gave: Hydra then writes exactly where the checks looked."""
    if plan.folder is None:
        return list(argv)
    prefix = f"{plan.key}="
    kept = [a for a in argv if not a.lstrip("+").startswith(prefix)]
    if plan.done:  # keep Hydra's record of the command that made the run (.hydra/)
        kept = [a for a in kept if not a.lstrip("+").startswith("hydra.output_subdir=")]
        kept.append("hydra.output_subdir=null")
    return [*kept, f"{prefix}{hydra_value(plan.folder)}"]


def claim_output(plan: Plan) -> None:
    """Create (or take) the checked output folder, marked as the program's, and lock it for
    this process: a second run aimed at the same folder is refused at once.

    Raises:
        UserError: the folder holds files the program did not write, cannot be created, or is
            in use by another run.
    """
    from sim.runner.folders import claim, lock

    if plan.folder is None:
        return
    claim(plan.folder, "sweep" if plan.multirun else "run")
    lock(plan.folder)


def _hydra_value(overrides: list[str], key: str) -> str | None:
    """The value of a ``hydra...`` override on the command line, if any."""
    for o in overrides:
        k, _, v = o.lstrip("+").partition("=")
        if k == key:
            return v
    return None


def check_folders(overrides: list[str], folder: Path, multirun: bool, resume: bool) -> None:
    """The output folder must be new, empty, or the program's own; ``run.resume`` needs the
    folder to resume, and an existing folder of finished runs needs ``run.resume``.

    Raises:
        UserError: a folder with files the program did not write; a folder of the program's of
            the other kind (a sweep's for a run, a run's for a sweep); resume without a folder;
            a folder of finished runs without resume.
    """
    from sim.files import folder_kind
    from sim.runner.output import is_complete

    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    if resume and _hydra_value(overrides, key) is None:
        raise UserError(
            f"run.resume=true needs the folder to resume: add {key}=FOLDER (the folder the "
            "earlier run wrote)"
        )
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{key} points at a file: {folder}; give a folder path")
    if not folder.is_dir():
        return
    kind = folder_kind(folder)
    if kind is None:
        if any(folder.iterdir()):
            raise UserError(
                f"{folder} already holds files that alliance-sim did not write; nothing there "
                f"is touched. Give a new or empty folder as {key}, or leave it at its default"
            )
        return
    wanted = "sweep" if multirun else "run"
    if kind != wanted:
        hint = " (a sweep's folder goes with -m, as hydra.sweep.dir)" if kind == "sweep" else ""
        raise UserError(
            f"{folder} is a {kind} folder of alliance-sim, not a {wanted} folder; give a new "
            f"{key}{hint}"
        )
    if resume:
        return
    finished = [p for p in folder.iterdir() if p.is_dir() and is_complete(p)] if multirun else []
    if is_complete(folder) or finished:
        raise UserError(
            f"{folder} already holds finished runs; add run.resume=true to skip them and run "
            f"the rest, or give a new {key}"
        )


LAUNCHERS = {
    "basic": None,
    "joblib": "hydra_plugins.hydra_joblib_launcher",
    "submitit_local": "hydra_plugins.hydra_submitit_launcher",
    "submitit_slurm": "hydra_plugins.hydra_submitit_launcher",
    "ray": "hydra_plugins.hydra_ray_launcher",
    "ray_cluster": "hydra_plugins.hydra_ray_launcher",
}
SWEEPERS = ("basic", "paired")


def check_plugins(overrides: list[str]) -> None:
    """A launcher or sweeper that does not exist, or whose plugin is not installed.

    Raises:
        UserError: one line naming the choices, or the extra to install.
    """
    from importlib.util import find_spec

    launcher = _hydra_value(overrides, "hydra/launcher")
    if launcher is not None:
        if launcher not in LAUNCHERS:
            raise UserError(f"unknown launcher '{launcher}'; choose one of {', '.join(LAUNCHERS)}")
        module = LAUNCHERS[launcher]
        if module is not None and find_spec(module) is None:
            raise UserError(
                f"the {launcher} launcher is not installed: run scripts/bootstrap.sh launchers "
                "(or pip install -e '.[launchers]')"
            )
    sweeper = _hydra_value(overrides, "hydra/sweeper")
    if sweeper is not None and sweeper not in SWEEPERS:
        raise UserError(f"unknown sweeper '{sweeper}'; choose one of {', '.join(SWEEPERS)}")


def check_additions(overrides: list[str]) -> None:
    """``+key=value`` adds a key, which only the config's own dictionaries (pairs, states,
    events) may take: elsewhere it would slip a misspelt key past the schema.

    Raises:
        UserError: a '+' on a key outside those dictionaries.
    """
    for o in overrides:
        if not o.startswith("+") or o.startswith("++"):
            continue
        key = o[1:].partition("=")[0]
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        if parent not in OPEN_DICTS and not any(parent.startswith(d + ".") for d in OPEN_DICTS):
            raise UserError(
                f"'+{key}' adds a key, but '{key}' is not a setting there (a '+' is only for new "
                "entries of world.affinity, scenario.events and the like); check the spelling, "
                "or list every key with: alliance-sim --cfg job"
            )


def check_resume(folder: Path, multirun: bool, task_overrides, sweeper, cfg) -> None:
    """A resumed folder must hold runs of this very command (job N of the sweep it holds must be
    job N of this one), checked before Hydra writes anything into it.

    Raises:
        UserError: the folder was written by a different sweep or config.
    """
    from sim.runner.output import is_complete
    from sim.runner.run import same_run
    from sim.runner.sweep import expected_jobs, job_identity, job_overrides

    if not folder.is_dir():
        return
    if not multirun:
        config = folder / "config.yaml"
        if is_complete(folder) and not (
            config.is_file() and same_run(config.read_text(encoding="utf-8"), cfg)
        ):
            raise UserError(
                f"{folder} holds a run of a different config; resume it with the command that "
                "wrote it, or give a new hydra.run.dir"
            )
        return
    jobs = expected_jobs(task_overrides, sweeper)
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        number, _, _ = sub.name.partition("_")
        done = job_overrides(sub)
        if not number.isdigit() or done is None or not is_complete(sub):
            continue
        n = int(number)
        if n >= len(jobs) or job_identity(done) != job_identity(jobs[n]):
            this = " ".join(job_identity(jobs[n])) if n < len(jobs) else "(no such job)"
            raise UserError(
                f"{folder} was written by a different sweep (its job {n} ran "
                f"'{' '.join(done)}', this command's job {n} is '{this}'); resume with the same "
                "overrides in the same order, or give a new hydra.sweep.dir"
            )


def check_sweeper(overrides: list[str], task_overrides: list[str]) -> dict | None:
    """A paired sweep's lists must pair up (see ``sim.runner.sweep.paired_jobs``).

    Returns:
        The sweeper's settings for ``sim.runner.sweep.expected_jobs`` (None: the basic one).
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    from sim.runner.sweep import expected_jobs

    if _hydra_value(overrides, "hydra/sweeper") != "paired":
        return None
    cross = _hydra_value(overrides, "hydra.sweeper.cross")
    try:
        value = OverridesParser.create().parse_override(f"x={cross}").value() if cross else []
        cross_list = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        sweeper = {"_target_": "PairedSweeper", "cross": cross_list}
        expected_jobs(task_overrides, sweeper)
    except HydraException as exc:
        raise UserError(explain(exc)) from None
    return sweeper
