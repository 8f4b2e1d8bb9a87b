"""The repository stands on its own: nothing in it reads or points to a folder beside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", ".venv", "node_modules", "var", "build", "dist", "__pycache__", ".mypy_cache", ".ruff_cache"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".html", ".txt", ".cfg", ".json", ".css", ".js", ""}
# Written in two parts so that this file does not match itself.
OUTSIDE = re.compile("\\.\\./" + "shared|" + "shared/" + "(examples|DESIGN|STYLE|scenario-format|domain-facts)")


def _repository_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in path.relative_to(ROOT).parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in {"Makefile", "run"}):
            files.append(path)
    return files


def test_no_file_reads_or_links_outside_the_repository():
    files = _repository_files()
    assert any(f.name == "README.md" for f in files) and any(f.suffix == ".py" for f in files)
    offenders = [
        str(f.relative_to(ROOT))
        for f in files
        if f != Path(__file__).resolve() and OUTSIDE.search(f.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


def test_the_readme_links_only_to_files_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)\)", readme) + re.findall(r"`((?:docs|bench|src)/[^`\s]+)`", readme)
    assert targets, "the README links to its docs"
    missing = [t for t in targets if not t.startswith("http") and not (ROOT / t).exists()]
    assert missing == []
