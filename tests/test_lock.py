"""The lock files (requirements.txt, requirements-test.txt) agree with pyproject.toml: every
dependency pinned with == inside its range, every pin with its hashes. After changing a
dependency in pyproject.toml, `make lock` rewrites them."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")
HINT = "pyproject.toml and the lock files disagree: run `make lock` and commit the lock files"


def pyproject():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def direct_requirements(lock_name):
    """What pyproject.toml asks for, for the install made from LOCK_NAME (.ci/venv builds the
    project with the locked setuptools, so the build requirements are in both locks)."""
    data = pyproject()
    texts = data["project"]["dependencies"] + data["build-system"]["requires"]
    if lock_name == "requirements-test.txt":
        texts += data["project"]["optional-dependencies"]["test"]
    return [Requirement(text) for text in texts]


def read_lock(lock_name):
    """{canonical name: (version, [hash options])} of a pip-compile lock file; anything that is
    not a name==version pin (a range, a URL, an editable, an option such as an index) fails."""
    text = (ROOT / lock_name).read_text(encoding="utf-8")
    logical, current = [], ""
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()  # comments, the "# via ..." annotations included
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            logical.append(current.strip())
        current = ""
    assert not current.strip(), f"{lock_name}: the last line ends with a backslash"

    pins = {}
    for line in logical:
        requirement_text, *options = line.split()
        assert not requirement_text.startswith("-"), f"{lock_name}: unexpected option line {line!r}"
        requirement = Requirement(requirement_text)
        specifiers = list(requirement.specifier)
        assert requirement.url is None and len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"{lock_name}: {requirement_text} is not pinned with =="
        )
        assert "*" not in specifiers[0].version, f"{lock_name}: {requirement_text} is not an exact version"
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{lock_name}: {name} is pinned twice"
        pins[name] = (Version(specifiers[0].version), options)
    return pins


LOCKS = ["requirements.txt", "requirements-test.txt"]


@pytest.mark.parametrize("lock_name", LOCKS)
def test_every_pin_is_exact_and_hashed(lock_name):
    pins = read_lock(lock_name)
    assert pins, f"{lock_name} pins nothing"
    for name, (_version, options) in pins.items():
        assert options, f"{lock_name}: {name} has no --hash"
        for option in options:
            assert HASH.match(option), f"{lock_name}: {name}: {option!r} is not a sha256 --hash"


@pytest.mark.parametrize("lock_name", LOCKS)
def test_every_direct_dependency_is_locked_inside_its_range(lock_name):
    pins = read_lock(lock_name)
    for requirement in direct_requirements(lock_name):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock_name}: {requirement} (pyproject.toml) is not locked. {HINT}"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock_name}: {name}=={version} is outside {requirement} (pyproject.toml). {HINT}"
        )


@pytest.mark.parametrize("lock_name", LOCKS)
def test_what_the_extras_of_a_dependency_bring_is_locked(lock_name):
    """e.g. psycopg[binary] needs psycopg-binary. Read from the installed distribution's metadata
    when it is the locked version (the lock files do not keep extras)."""
    pins = read_lock(lock_name)
    for requirement in direct_requirements(lock_name):
        name = canonicalize_name(requirement.name)
        if not requirement.extras or name not in pins:
            continue
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue
        if Version(distribution.version) != pins[name][0]:
            continue
        for text in distribution.requires or []:
            needed = Requirement(text)
            for extra in requirement.extras:
                if needed.marker is not None and needed.marker.evaluate({"extra": extra}):
                    assert canonicalize_name(needed.name) in pins, (
                        f"{lock_name}: {needed.name}, needed by {requirement}, is not locked. {HINT}"
                    )


def test_the_test_lock_pins_the_runtime_packages_alike():
    """.ci/venv takes a test install as covering the runtime one."""
    runtime, test = read_lock("requirements.txt"), read_lock("requirements-test.txt")
    for name, (version, _options) in runtime.items():
        assert name in test, f"requirements-test.txt lacks {name} of requirements.txt. {HINT}"
        assert test[name][0] == version, (
            f"{name}: {version} in requirements.txt, {test[name][0]} in requirements-test.txt. {HINT}"
        )


@pytest.mark.parametrize("lock_name", LOCKS)
def test_the_locks_are_compiled_for_python_311(lock_name):
    header = (ROOT / lock_name).read_text(encoding="utf-8")[:500]
    assert "autogenerated by pip-compile with Python 3.11" in header, (
        f"{lock_name} was not compiled with Python 3.11: `make clean && PYTHON=python3.11 make lock`"
    )
