"""Every environment installs from a lock with hashes: requirements/dev.txt (.venv: the
runtime, dev and deploy extras) and requirements/lambda.txt (the Lambda venv: runtime and
deploy), from pip-tools with --generate-hashes, installed with --require-hashes
--no-deps; dynalite with `npm ci` from its package-lock.json. No lock names a registry
host. pyproject.toml's bounds exclude the versions known not to work."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
MAKEFILE = (REPO / "Makefile").read_text()
LOCKS = {"dev": REPO / "requirements" / "dev.txt", "lambda": REPO / "requirements" / "lambda.txt"}
DYNALITE = REPO / "tests" / "dynalite"


def pins(path: Path) -> dict[str, tuple[Version, int]]:
    """name -> (pinned version, number of hashes), from a pip-compile lock."""
    found: dict[str, tuple[Version, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==([^\s\\]+)", line)
        if match:
            current = canonicalize_name(match[1])
            found[current] = (Version(match[2]), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


def requirements(*extras: str) -> list[Requirement]:
    names = list(PYPROJECT["dependencies"])
    for extra in extras:
        names += PYPROJECT["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


def test_bounds_exclude_versions_that_cannot_start():
    bounds = {canonicalize_name(r.name): r.specifier for r in requirements("dev", "deploy")}
    assert not bounds["twilio"].contains("9.12.0") and bounds["twilio"].contains("9.13.0")
    assert not bounds["zappa"].contains("0.62.0") and bounds["zappa"].contains("0.63.0")
    for name in ("ruff", "mypy", "pytest-xdist", "rapidfuzz"):
        assert name in bounds
    assert "rapidfuzz" in {canonicalize_name(Requirement(r).name) for r in PYPROJECT["dependencies"]}


@pytest.mark.parametrize("lock, extras", [("dev", ("dev", "deploy")), ("lambda", ("deploy",))])
def test_each_lock_pins_every_requirement_within_its_bounds_with_hashes(lock, extras):
    pinned = pins(LOCKS[lock])
    assert pinned
    for requirement in requirements(*extras):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} missing from {LOCKS[lock].name}"
        assert requirement.specifier.contains(pinned[name][0]), (name, pinned[name][0])
    assert all(hashes >= 1 for _version, hashes in pinned.values())
    assert "setuptools" in pinned          # the build backend too: the project installs without isolation


def test_the_lambda_lock_holds_no_test_tools():
    pinned = pins(LOCKS["lambda"])
    for name in ("pytest", "moto", "hypothesis", "ruff", "mypy"):
        assert name not in pinned


@pytest.mark.parametrize("path", [*LOCKS.values(), DYNALITE / "package-lock.json"])
def test_no_lock_names_a_registry_host(path):
    text = path.read_text()
    assert not re.search(r"^\s*--(index-url|extra-index-url|find-links|trusted-host)", text, re.MULTILINE)
    assert '"resolved"' not in text
    if path.suffix == ".txt":
        assert "://" not in text


def test_the_makefile_installs_every_venv_from_its_lock_with_hashes():
    assert "--require-hashes --no-deps -r" in MAKEFILE
    assert "$(PY) $(PIP_INSTALL_LOCKED) $(LOCK_DEV)" in MAKEFILE
    assert "$(LAMBDA_VENV)/bin/python $(PIP_INSTALL_LOCKED) $(LOCK_LAMBDA)" in MAKEFILE
    assert "--no-deps --no-build-isolation -e ." in MAKEFILE
    assert not re.search(r"pip install[^\n]*-e '?\.\[", MAKEFILE)      # no unlocked install of the extras
    assert "--generate-hashes" in MAKEFILE and re.search(r"^lock:", MAKEFILE, re.MULTILINE)
    assert "make test" in (REPO / ".ci" / "run").read_text()                   # CI installs the same way


def test_dynalite_is_installed_from_its_own_lock():
    package = json.loads((DYNALITE / "package.json").read_text())
    assert package["dependencies"] == {"dynalite": "4.0.0"}
    locked = json.loads((DYNALITE / "package-lock.json").read_text())["packages"]
    assert locked["node_modules/dynalite"]["version"] == "4.0.0"
    assert all("integrity" in entry for path, entry in locked.items() if path)
    assert "omit-lockfile-registry-resolved=true" in (DYNALITE / ".npmrc").read_text()
    assert "npm ci --prefix $(DYNALITE_DIR)" in MAKEFILE
    assert "DYNALITE_VERSION := 4.0.0" in MAKEFILE
