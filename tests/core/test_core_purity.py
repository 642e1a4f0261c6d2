"""handler/core is pure: no web framework, no AWS, no Twilio, no network, no
environment and no files. Each module is read with `ast`, so an import hidden in a
function (where a quick look would miss it) counts as well."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "handler" / "core"
FORBIDDEN_MODULES = ("flask", "werkzeug", "boto3", "botocore", "twilio", "socket", "urllib.request", "requests")
FILE_READERS = {"open", "read_text", "read_bytes", "write_text", "write_bytes"}


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def _forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN_MODULES)


def impurities(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {alias.name}" for alias in node.names if _forbidden(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if _forbidden(node.module) or any(_forbidden(f"{node.module}.{alias.name}") for alias in node.names):
                found.append(f"line {node.lineno}: from {node.module} import ...")
            if node.module == "os" and any(alias.name in ("environ", "getenv") for alias in node.names):
                found.append(f"line {node.lineno}: from os import environ/getenv")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" \
                and node.attr in ("environ", "getenv", "environb"):
            found.append(f"line {node.lineno}: os.{node.attr}")
        elif isinstance(node, ast.Call):
            called = node.func
            name = (called.id if isinstance(called, ast.Name)
                    else called.attr if isinstance(called, ast.Attribute) else "")
            if name in FILE_READERS:
                found.append(f"line {node.lineno}: {name}()")
    return found


def test_there_are_core_modules_to_check():
    names = {path.name for path in core_modules()}
    assert {"engine.py", "flow.py", "answers.py", "emergency_scan.py", "decide.py"} <= names


@pytest.mark.parametrize("path", core_modules(), ids=lambda path: path.name)
def test_core_module_is_pure(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert impurities(tree) == [], f"{path.name} is not pure"


@pytest.mark.parametrize("source", [
    "import flask", "from werkzeug.exceptions import HTTPException", "import boto3", "import botocore.config",
    "from twilio.twiml import voice_response", "import socket", "import urllib.request",
    "from urllib import request", "import requests", "import os\nos.environ['X']", "import os\nos.getenv('X')",
    "from os import environ", "open('flows/x.json')", "from pathlib import Path\nPath('x').read_text()",
    "def f():\n    import boto3",
])
def test_the_check_catches_each_kind_of_impurity(source):
    assert impurities(ast.parse(source))
