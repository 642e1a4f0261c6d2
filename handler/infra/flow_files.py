"""Reading flow files: the JSON, its check against the JSON Schema, and the
concept codes; the core parses what is read into a Flow. Files are read once
per process (at cold start). Which folder: Settings.flows_dir."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from handler.core.flow import Flow, FlowError, parse_flow
from handler.core.vocabulary import Vocabulary, parse_vocabulary

# The flows this repository ships (TRIAGE_FLOWS_DIR, read by Settings, may name another folder).
FLOWS_DIR = Path(__file__).resolve().parents[2] / "flows"
SCHEMA_FILE = "flow.schema.json"
CONCEPTS_FILE = "concepts.json"
VOCABULARY_SCHEMA_FILE = "vocabulary.schema.json"
VOCABULARY_SUFFIX = ".vocabulary.json"
NOT_FLOWS = {SCHEMA_FILE, CONCEPTS_FILE, VOCABULARY_SCHEMA_FILE}


def read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        raise FlowError(f"{path}: cannot read ({error.strerror})") from error
    except json.JSONDecodeError as error:
        raise FlowError(f"{path}: not valid JSON (line {error.lineno}: {error.msg})") from error


def load_concepts(path: Path = FLOWS_DIR / CONCEPTS_FILE) -> dict[str, str | None]:
    return {concept["code"]: concept["disposition"] for concept in read_json(path)["concepts"]}


def schema_validator(path: Path = FLOWS_DIR / SCHEMA_FILE, check_schema: bool = True) -> Any:
    """A validator for flow files. `check_schema` also checks the schema itself (24 ms):
    `triage-line validate` and the tests do; the app's cold start, which only reads
    the schema this repository ships, does not."""
    from jsonschema import Draft202012Validator  # imported here: only loading needs it

    schema = read_json(path)
    if check_schema:
        Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_problems(data: Any, validator: Any = None) -> list[str]:
    """One line per place the data breaks the schema: 'at nodes/x/kind: message'."""
    validator = validator or schema_validator()
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(part) for part in error.absolute_path) or "(top)"
        problems.append(f"at {where}: {error.message}")
    return problems


def flow_files(directory: Path = FLOWS_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*.json")
                  if p.name not in NOT_FLOWS and not p.name.endswith(VOCABULARY_SUFFIX))


def vocabulary_path(flow_path: Path, data: Mapping[str, Any]) -> Path:
    """Where a flow's vocabulary file is: named by the flow, beside it."""
    return flow_path.parent / str(data.get("vocabulary", flow_path.stem + VOCABULARY_SUFFIX))


def load_vocabulary(path: Path, validator: Any = None) -> Vocabulary:
    """Read a vocabulary file, schema-checked when given a validator (FlowError names the
    first problems). The cold start gives none: checking its thousands of phrases takes
    longer than the rest of the start, and `triage-line validate`, which `make test` runs,
    has checked this file against its schema and proved every phrase."""
    data = read_json(path)
    problems = schema_problems(data, validator) if validator is not None else []
    if problems:
        raise FlowError(f"{path}: " + "; ".join(problems[:5]))
    try:
        return parse_vocabulary(data)
    except (KeyError, TypeError, AttributeError) as error:
        raise FlowError(f"{path}: not a vocabulary file ({type(error).__name__}: {error})") from error


def load_flow(path: Path, concepts: Mapping[str, str | None] | None = None, validator: Any = None,
              vocabulary_validator: Any = None, check_schema: bool = True) -> Flow:
    """Read one flow file and its vocabulary, schema-checked unless `check_schema` is False.
    Raises FlowError naming the first problems."""
    data = read_json(path)
    problems = schema_problems(data, validator) if check_schema else []
    if problems:
        raise FlowError(f"{path}: " + "; ".join(problems[:5]))
    vocabulary = load_vocabulary(vocabulary_path(path, data), vocabulary_validator)
    try:
        return parse_flow(data, concepts if concepts is not None else load_concepts(), source=str(path),
                          vocabulary=vocabulary)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise FlowError(f"{path}: not a flow file ({type(error).__name__}: {error})") from error


def load_flows(directory: Path = FLOWS_DIR, check_schema: bool = True) -> dict[str, Flow]:
    """Every flow in the folder, by id. The app's cold start passes check_schema=False,
    as it does for the vocabulary: importing jsonschema and checking the flow against
    it is half of the start, and it proves less than `triage-line validate`, which
    checks the schema and every rule and path, and which `make test` and `make
    package` run on these files before they can be deployed."""
    concepts = load_concepts(directory / CONCEPTS_FILE)
    validator = schema_validator(directory / SCHEMA_FILE, check_schema=False) if check_schema else None
    flows = {}
    for path in flow_files(directory):
        flow = load_flow(path, concepts, validator, check_schema=check_schema)
        flows[flow.id] = flow
    return flows
