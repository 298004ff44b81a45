"""Arrows only point down (STYLE.md, "Layout"): every import of every module is checked against the
layer it lives in. A failure names the file, the line and the import that points up.

Layers, bottom to top:
  residents (the register)  <  the certificate domain (jpki/*.py, jpki/services/)  <  letters
  <  the demo city (jpki/demo/)  <  the screens (jpki/admin/)  <  entry points (jpki/urls.py, settings,
  management commands, jpki/bench/)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("residents", "jpki", "letters")

# Ranks, by module name prefix; the longest matching prefix wins.
RANKS = {
    "residents": 0,
    "jpki": 1,
    "letters": 2,
    "jpki.demo": 3,
    "jpki.admin": 4,
    "jpki.urls": 5,
    "jpki.settings": 5,
    "jpki.wsgi": 5,
    "jpki.bench": 5,
    "jpki.management": 5,
    "letters.management": 5,
}
LAYER_NAMES = {
    0: "the register",
    1: "the certificate domain",
    2: "letters",
    3: "the demo city",
    4: "the screens",
    5: "an entry point",
}


def rank(module: str) -> int | None:
    best = None
    for prefix, value in RANKS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, value)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, tree: ast.AST):
    """(line, imported module) for every import, relative imports resolved."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or node.level:
                # "from . import x" may import a submodule x: check each name as a module too.
                for alias in node.names:
                    yield node.lineno, f"{target}.{alias.name}"
            else:
                yield node.lineno, target


def source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def upward_imports(path: Path, source: str) -> list[str]:
    own = rank(module_name(path))
    found = []
    for line, target in imported_modules(path, ast.parse(source)):
        theirs = rank(target)
        if own is None or theirs is None or theirs <= own:
            continue
        found.append(
            f"{path.relative_to(ROOT)}:{line}: imports {target} ({LAYER_NAMES[theirs]}) from {LAYER_NAMES[own]}"
        )
    return found


def test_arrows_only_point_down():
    problems = []
    for path in source_files():
        problems += upward_imports(path, path.read_text(encoding="utf-8"))
    assert not problems, "imports that point up a layer:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("file", "source"),
    [
        ("residents/services.py", "from jpki import workflows\n"),
        ("residents/services.py", "def f():\n    from letters import services\n"),
        ("jpki/services/base.py", "import letters.render\n"),
        ("jpki/rules.py", "from jpki.admin import badges\n"),
        ("letters/services.py", "from jpki.admin.workflows import WORKFLOWS\n"),
        ("jpki/services/counter.py", "from ..admin import forms\n"),
        ("jpki/demo/city.py", "from jpki.admin import site\n"),
        ("jpki/admin/badges.py", "from jpki.bench import pages\n"),
    ],
)
def test_an_upward_import_is_named(file, source):
    """The check itself bites: each of these would be an arrow pointing up."""
    problems = upward_imports(ROOT / file, source)
    assert len(problems) == 1 and problems[0].startswith(file + ":"), problems


def test_no_source_file_is_too_long():
    """No source file (migrations and tests aside) past ~600 lines."""
    long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for path in source_files()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 620
    ]
    assert not long, long


def test_every_module_says_what_it_is_for():
    missing = [
        str(path.relative_to(ROOT))
        for path in source_files()
        if path.stat().st_size and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert not missing, "modules without a docstring:\n" + "\n".join(missing)
