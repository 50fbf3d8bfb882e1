"""The package: a wheel that carries the built-in theme, usable on a site anywhere on disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "No module named" in done.stderr and "hatchling" in done.stderr:
        pytest.skip("hatchling (the build backend) is not installed: pip install hatchling")
    assert done.returncode == 0, done.stderr
    return next(dist.glob("essaygen-*.whl"))


def test_the_wheel_ships_the_lab_theme_and_the_citation_worker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "essaygen/themes/lab/templates/essay.html" in names
    assert "essaygen/themes/lab/static/style.css" in names
    assert "essaygen/citations/worker.lua" in names
    assert not any(n.startswith(("tests/", "content/", "bench/")) for n in names)


def test_an_installed_essaygen_builds_a_site_anywhere(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "installed"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    site = tmp_path / "somewhere" / "else"
    site.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    shutil.copytree(REPO / "content", site / "content")
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import essaygen; print(essaygen.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True)
    assert where.stdout.startswith(str(target)), where.stdout + where.stderr
    built = subprocess.run([sys.executable, "-m", "essaygen", "build", str(site), "--as-of", "2026-11-22"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert (site / "output/essays/decision-making/index.html").is_file()
    assert (site / "output/assets/style.css").is_file()
