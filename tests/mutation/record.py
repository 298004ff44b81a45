"""Mutation testing of the pure rule modules: which module is held by which tests, and the record
of a mutmut run (scores.toml, survivors.md beside this file).

`make mutation` runs .ci/mutation, which runs mutmut in a copy of the checkout and then

    .venv/bin/python -m tests.mutation.record COPY

to read the results there (through mutmut's command line: `results`, `show`, `tests-for-mutant`),
print the score of each module, and rewrite scores.toml and survivors.md in the checkout.
tests/test_mutation_scores.py reads them back in the normal suite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCORES = ROOT / "tests" / "mutation" / "scores.toml"
SURVIVORS = ROOT / "tests" / "mutation" / "survivors.md"
GOAL_PERCENT = 97.0
REFRESH = "make mutation"

# Each module and its own tests: only these run against the module's mutants (pyproject.toml's
# [tool.mutmut] section lists the same files; tests/test_mutation_scores.py checks it).
MODULES: dict[str, tuple[str, ...]] = {
    "jpki/rules.py": ("tests/jpki/test_rules.py",),
    "residents/charset.py": ("tests/residents/test_charset.py",),
    "residents/normalize.py": ("tests/residents/test_normalize.py",),
    "letters/barcode.py": ("tests/letters/test_barcode.py",),
}

# mutmut's verdicts: a mutant is killed when its tests fail or never finish (an endless loop is
# noticed too); it survives when they pass, or when no test reaches the mutated function at all.
KILLED = {"killed", "timeout"}
SURVIVED = {"survived", "no tests"}
TODO = "TODO: kill it with a test, or say why it changes no behaviour"

_RESULT_LINE = re.compile(r"^\s*(?P<name>\S+): (?P<status>.+)$")
_MUTANT_NAME = re.compile(r"^(?P<module>.+)\.x_(?P<function>.+)__mutmut_(?P<number>\d+)$")
_SURVIVOR_LINE = re.compile(r"^- `(?P<function>[^`]+)`: `(?P<before>[^`]*)` → `(?P<after>[^`]*)` — (?P<why>.+)$")
_MODULE_HEADING = re.compile(r"^## (?P<module>\S+)")


def source_sha256(module: str) -> str:
    return hashlib.sha256((ROOT / module).read_bytes()).hexdigest()


def dotted(module: str) -> str:
    """jpki/rules.py -> jpki.rules (mutmut's name of the module)."""
    return module.removesuffix(".py").replace("/", ".")


@dataclass(frozen=True)
class Survivor:
    module: str
    function: str
    before: str  # the changed line(s) of the original, " / " between lines
    after: str  # the same in the mutant

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.module, self.function, self.before, self.after)

    def line(self, why: str) -> str:
        return f"- `{self.function}`: `{self.before}` → `{self.after}` — {why}"


@dataclass
class ModuleResult:
    module: str
    killed: int = 0
    total: int = 0
    survivors: list[Survivor] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(100 * self.killed / self.total, 1) if self.total else 0.0


# --- reading the recorded files ------------------------------------------------------------


def read_scores() -> dict:
    with open(SCORES, "rb") as f:
        return tomllib.load(f)


def read_survivors() -> dict[str, list[tuple[tuple[str, str, str, str], str]]]:
    """{module: [(key, why), ...]} as listed in survivors.md."""
    listed: dict[str, list] = defaultdict(list)
    module = None
    for line in SURVIVORS.read_text(encoding="utf-8").splitlines():
        heading = _MODULE_HEADING.match(line)
        if heading:
            module = heading["module"]
            continue
        entry = _SURVIVOR_LINE.match(line)
        if entry and module:
            key = (module, entry["function"], entry["before"], entry["after"])
            listed[module].append((key, entry["why"].strip()))
    return dict(listed)


# --- reading a mutmut run ------------------------------------------------------------------


def _mutmut(copy: Path, *args: str) -> str:
    mutmut = Path(sys.executable).parent / "mutmut"
    return subprocess.run([str(mutmut), *args], cwd=copy, check=True, capture_output=True, text=True).stdout


def _changed_lines(diff: str) -> tuple[str, str]:
    before, after = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            before.append(line[1:].strip())
        elif line.startswith("+"):
            after.append(line[1:].strip())
    text = " / ".join(before) or "(nothing)", " / ".join(after) or "(line removed)"
    if any("`" in part for part in text):
        raise SystemExit(f"mutation: a changed line holds a backtick, which survivors.md cannot quote:\n{diff}")
    return text


def collect(copy: Path) -> tuple[dict[str, ModuleResult], list[str]]:
    """The results of the mutmut run in COPY, per module, and the problems found with the run."""
    problems: list[str] = []
    by_dotted = {dotted(module): module for module in MODULES}
    results = {module: ModuleResult(module) for module in MODULES}
    for line in _mutmut(copy, "results", "--all", "true").splitlines():
        match = _RESULT_LINE.match(line)
        if not match:
            continue
        name, status = match["name"], match["status"].strip()
        parts = _MUTANT_NAME.match(name)
        module = by_dotted.get(parts["module"]) if parts else None
        if module is None:
            problems.append(f"{name}: a mutant outside the modules of tests/mutation/record.py")
            continue
        result = results[module]
        result.total += 1
        if status in KILLED:
            result.killed += 1
        elif status in SURVIVED:
            before, after = _changed_lines(_mutmut(copy, "show", name))
            result.survivors.append(Survivor(module, parts["function"], before, after))
        else:
            problems.append(f"{name}: {status} (the run did not finish: run `{REFRESH}` again)")
    for module, result in results.items():
        if not result.total:
            problems.append(f"{module}: no mutants (is it in [tool.mutmut] only_mutate of pyproject.toml?)")
        # Every test that reached a function of the module must be one of the module's own tests.
        tests = _mutmut(copy, "tests-for-mutant", f"{dotted(module)}.*").splitlines()  # one node id a line
        foreign = sorted({test.split("::")[0] for test in tests if test.strip()} - set(MODULES[module]))
        if foreign:
            problems.append(f"{module}: mutants were run against other modules' tests too: {', '.join(foreign)}")
    return results, problems


# --- writing the record ----------------------------------------------------------------------


def _toml_list(items) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def write_scores(results: dict[str, ModuleResult], *, tool: str, on: dt.date) -> None:
    lines = [
        "# Mutation scores of the pure rule modules, written by `make mutation` (.ci/mutation,",
        "# tests/mutation/record.py). score = killed / total mutants, in %; source_sha256 is the module the",
        "# score was measured on: tests/test_mutation_scores.py fails once the module differs from it.",
        f'tool = "{tool}"',
        f"goal_percent = {GOAL_PERCENT}",
    ]
    for module, result in results.items():
        lines += [
            "",
            f'[modules."{module}"]',
            f"tests = {_toml_list(MODULES[module])}",
            f'source_sha256 = "{source_sha256(module)}"',
            f"killed = {result.killed}",
            f"total = {result.total}",
            f"score = {result.score}",
            f"survivors = {len(result.survivors)}",
            f"measured_on = {on.isoformat()}",
        ]
    SCORES.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_survivors(results: dict[str, ModuleResult], *, tool: str, on: dt.date) -> int:
    """Rewrite survivors.md, keeping the explanation of every survivor listed before; return
    how many survivors have none yet."""
    known: dict[tuple, str] = {}
    if SURVIVORS.exists():
        for entries in read_survivors().values():
            known.update((key, why) for key, why in entries if not why.startswith("TODO"))
    lines = [
        "# Surviving mutants",
        "",
        f"Every mutant of the rule modules that no test kills ({tool}, {on}), with one line on why it",
        "changes no behaviour (an equivalent mutant). `make mutation` rewrites this file and keeps each",
        "explanation (matched by function and changed line). A new survivor comes marked TODO: kill it",
        "with a test, or replace the TODO with the reason it changes nothing; then `make mutation` again.",
    ]
    unexplained = 0
    for module, result in results.items():
        lines += ["", f"## {module} — {len(result.survivors)} of {result.total} mutants survive", ""]
        if not result.survivors:
            lines.append("None.")
        for survivor in sorted(result.survivors, key=lambda s: s.key):
            why = known.get(survivor.key, TODO)
            unexplained += why == TODO
            lines.append(survivor.line(why))
    SURVIVORS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return unexplained


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.mutation.record COPY   (COPY: where `mutmut run` ran)", file=sys.stderr)
        return 2
    copy = Path(argv[0])
    tool = f"mutmut {metadata.version('mutmut')}"
    on = dt.date.today()
    results, problems = collect(copy)
    write_scores(results, tool=tool, on=on)
    unexplained = write_survivors(results, tool=tool, on=on)

    print(f"\n{'module':<26} {'killed / total':>16} {'score':>8}   survivors")
    for module, result in results.items():
        goal = "" if result.score >= GOAL_PERCENT else f"   below the {GOAL_PERCENT:g} % goal"
        counts = f"{result.killed:>7} / {result.total:<6}"
        print(f"{module:<26} {counts} {result.score:>6.1f} %   {len(result.survivors)}{goal}")
    print(f"\n{tool}, {on}: written to {SCORES.relative_to(ROOT)} and {SURVIVORS.relative_to(ROOT)}")
    for problem in problems:
        print(f"mutation: {problem}", file=sys.stderr)
    if unexplained:
        print(
            f"mutation: {unexplained} survivor(s) without an explanation in {SURVIVORS.relative_to(ROOT)} "
            f'(marked "TODO"): kill them with a test or say why they change nothing',
            file=sys.stderr,
        )
    return 1 if problems or unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
