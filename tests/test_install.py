"""The package installed from its wheel (no checkout, no ``-e``) runs from any folder: its
configs and data ship inside it, and a user's own config folder can be added."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv holding the wheel built from this checkout; returns its bin folder.

    The wheel is installed without its dependencies, which the venv takes from the test
    environment's site-packages through a path file (so the test needs no network); the test
    environment's editable install of the package is not visible there, so ``sim`` is the
    wheel's.
    """
    base = tmp_path_factory.mktemp("install")
    wheels, venv, source = base / "wheels", base / "venv", base / "source"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", ".hypothesis", "outputs", "multirun", "build", "*.egg-info"
        ),
    )
    build = subprocess.run(  # built from a copy: no build/ folder in the checkout
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(source), "-w", str(wheels)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = wheels.glob("alliance_sim-*.whl")
    install = subprocess.run(  # the venv's own interpreter runs pip (from the path file)
        # --ignore-installed: pip must not see (and uninstall) the test environment's own
        # install of the package, which the path file makes visible
        [str(py), "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    return venv / "bin"


def run(exe: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ALLIANCE_SIM_CONFIGS")}
    return subprocess.run(
        [str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env
    )


def test_the_installed_package_is_the_wheels(installed, tmp_path):
    where = run(installed / "python", "-c", "import sim; print(sim.__file__)", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(str(installed.parent)), where.stdout


def test_a_scenario_runs_from_an_empty_folder(installed, tmp_path):
    result = run(
        installed / "alliance-sim",
        "scenario=injection_1p5b",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (folder,) = (tmp_path / "outputs").glob("*/*")
    assert (folder / "manifest.json").is_file() and (folder / "summary.parquet").is_file()
    assert len(list((folder / "plots").glob("*.png"))) == 6
    assert "scenario injection_1p5b" in result.stdout


def test_the_installed_command_takes_a_users_config_folder(installed, tmp_path):
    mine = tmp_path / "myconf" / "scenario"
    mine.mkdir(parents=True)
    (mine / "mine.yaml").write_text("# @package _global_\nscenario:\n  name: mine\n  events: {}\n")
    result = run(
        installed / "alliance-sim",
        "--config-dir",
        "myconf",
        "scenario=mine",
        "model.horizon=2",
        "run.plots=false",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "scenario mine" in result.stdout
    help_text = run(installed / "alliance-sim", "--help", cwd=tmp_path)
    assert "injection_1p5b" in help_text.stdout  # the shipped scenarios are listed
