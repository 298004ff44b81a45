"""The letters print through WeasyPrint's and pydyf's public API only (issue 11, item 8).

Walks the syntax tree of every module under ``letters/`` and fails on:
- a private module of WeasyPrint or pydyf imported (``import weasyprint._x``, ``from weasyprint._x import``,
  ``from weasyprint import _x``);
- an attribute starting with ``_`` read on anything: in a module that imports WeasyPrint or pydyf, on any
  object but ``self``/``cls`` and the project's own modules (objects come back from WeasyPrint through
  many names); elsewhere, on a name imported from WeasyPrint or pydyf;
- an assignment to an attribute of a WeasyPrint or pydyf module or class (``weasyprint.layout.f = g``),
  or ``setattr`` on one (replacing a function at import time);
- ``gc.disable``, ``gc.freeze`` or ``gc.set_threshold``: the collector is the process's, not the letters'.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LETTERS = ROOT / "letters"
PACKAGES = ("weasyprint", "pydyf")
GC_FORBIDDEN = {"disable", "freeze", "set_threshold"}
OWN = ("letters", "jpki", "residents")


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _from_package(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in PACKAGES


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def violations(source: str, filename: str = "<source>") -> list[str]:
    """What in ``source`` breaks the rules of this module's docstring, one line each."""
    tree = ast.parse(source, filename)
    found: list[str] = []
    tainted: set[str] = set()  # names bound to WeasyPrint/pydyf modules, classes and functions
    gc_names: set[str] = set()
    own: set[str] = {"self", "cls"}  # our own modules may read each other's private helpers
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] in OWN):
            own.update(alias.asname or alias.name for alias in node.names)
        if isinstance(node, ast.Import):
            own.update((a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] in OWN)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _from_package(alias.name):
                    if any(_is_private(part) for part in alias.name.split(".")):
                        found.append(f"{filename}:{node.lineno}: imports private module {alias.name}")
                    tainted.add((alias.asname or alias.name).split(".")[0])
                if alias.name == "gc":
                    gc_names.add(alias.asname or "gc")
        elif isinstance(node, ast.ImportFrom):
            if _from_package(node.module):
                if any(_is_private(part) for part in node.module.split(".")):
                    found.append(f"{filename}:{node.lineno}: imports from private module {node.module}")
                for alias in node.names:
                    if _is_private(alias.name):
                        found.append(f"{filename}:{node.lineno}: imports private name {alias.name}")
                    tainted.add(alias.asname or alias.name)
            if node.module == "gc":
                for alias in node.names:
                    if alias.name in GC_FORBIDDEN:
                        found.append(f"{filename}:{node.lineno}: imports gc.{alias.name}")
    uses_package = bool(tainted)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            root = _root_name(node.value)
            if _is_private(node.attr) and root not in own:
                if uses_package or root in tainted:
                    found.append(f"{filename}:{node.lineno}: reads private attribute .{node.attr}")
            if root in gc_names and node.attr in GC_FORBIDDEN:
                found.append(f"{filename}:{node.lineno}: calls gc.{node.attr}")
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and _root_name(target.value) in tainted:
                found.append(f"{filename}:{node.lineno}: assigns to an attribute of WeasyPrint/pydyf")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "delattr")
            and node.args
            and _root_name(node.args[0]) in tainted
        ):
            found.append(f"{filename}:{node.lineno}: {node.func.id} on WeasyPrint/pydyf")
    return found


def _modules() -> list[Path]:
    return sorted(path for path in LETTERS.rglob("*.py") if "migrations" not in path.parts)


def test_the_letters_use_weasyprint_and_pydyf_through_their_public_api_only():
    problems = [line for path in _modules() for line in violations(path.read_text(), str(path.relative_to(ROOT)))]
    assert problems == []


def test_the_engine_modules_are_checked():
    names = {path.name for path in _modules()}
    assert {"render.py", "engine.py", "pdfengine.py", "pdfjoin.py", "batches.py"} <= names
    # the modules that talk to WeasyPrint import it (so the strict rule applies to them)
    assert "weasyprint" in (LETTERS / "pdfengine.py").read_text()


@pytest.mark.parametrize(
    "source",
    [
        "from weasyprint.layout import page as wp_page\nwp_page.set_page_type_computed_styles = None\n",
        "import weasyprint.layout\nweasyprint.layout.make_margin_boxes = lambda *a: ()\n",
        "from weasyprint import layout\nsetattr(layout, 'layout_fixed_boxes', None)\n",
        "from weasyprint import HTML\ndef f(doc):\n    return doc.pages[0]._page_box\n",
        "import pydyf\ndef f(stream):\n    return stream._resources\n",
        "def f(stream):\n    from weasyprint.draw import draw_page\n    stream._ctm_stack = []\n",
        "import weasyprint._private\n",
        "from weasyprint.text._fonts import x\n",
        "from weasyprint import _hidden\n",
        "import gc\ngc.disable()\n",
        "import gc as collector\ncollector.freeze()\n",
        "from gc import disable\n",
    ],
)
def test_the_check_finds_what_the_old_renderer_did(source):
    assert violations(source)


def test_the_check_lets_public_use_and_own_private_helpers_pass():
    source = (
        "from weasyprint import HTML\n"
        "class A:\n"
        "    def f(self):\n"
        "        return self._cache, HTML(string='').render().pages[0].anchors\n"
    )
    assert violations(source) == []
    # a private helper of our own module, even beside WeasyPrint
    assert violations("from weasyprint import HTML\nfrom letters import barcode as cb\ncb._validate([])\n") == []
    assert violations("from weasyprint import HTML\nfrom . import engine\nengine._documents\n") == []
