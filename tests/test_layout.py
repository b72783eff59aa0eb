"""The package layout holds: a stage never imports a later one, and modules stay small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"
#: The pipeline's stages in order; a module may import its own stage and earlier ones only.
STAGES = ["core", "lexicon", "ingest", "index", "qa", "web"]
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] in STAGES)


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "assistant":
                names.update(f"assistant.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_stage_imports_a_later_one(path):
    stage = STAGES.index(path.relative_to(PACKAGE).parts[0])
    for name in _imported(ast.parse(path.read_text(encoding="utf-8"))):
        parts = name.split(".")
        if parts[0] != "assistant" or len(parts) < 2:
            continue
        assert parts[1] != "cli", f"{path.name} imports the CLI ({name}); the CLI is glue over the stages"
        if parts[1] in STAGES:
            assert STAGES.index(parts[1]) <= stage, f"{name} is a later stage than {path.parent.name}"


def test_modules_and_functions_stay_small():
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 420:
            too_long.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 70:
                too_long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}()")
    assert not too_long, "split these: " + "; ".join(too_long)
