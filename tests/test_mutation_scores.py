"""The recorded mutation scores (tests/mutation/scores.toml, survivors.md; `make mutation`) belong to
the code as it is now: a rule module changed after its score was measured fails here, and so does a
surviving mutant nobody has explained."""

import tomllib

import pytest

from tests.mutation import record

SCORES = record.read_scores()


def test_every_module_has_a_recorded_score():
    assert sorted(SCORES["modules"]) == sorted(record.MODULES)
    for module, tests in record.MODULES.items():
        assert SCORES["modules"][module]["tests"] == list(tests), module


@pytest.mark.parametrize("module", sorted(record.MODULES))
def test_the_recorded_score_is_not_older_than_the_module(module):
    entry = SCORES["modules"][module]
    assert entry["source_sha256"] == record.source_sha256(module), (
        f"{module} changed after its mutation score was measured ({entry['measured_on']}): the recorded score is "
        f"older than the change. Run `{record.REFRESH}` and commit tests/mutation/scores.toml and survivors.md."
    )


@pytest.mark.parametrize("module", sorted(record.MODULES))
def test_every_survivor_is_listed_and_explained(module):
    entry = SCORES["modules"][module]
    listed = record.read_survivors().get(module, [])
    assert entry["killed"] + len(listed) == entry["total"] == entry["killed"] + entry["survivors"], (
        f"tests/mutation/survivors.md does not list the {entry['survivors']} survivors of {module}: "
        f"run `{record.REFRESH}`"
    )
    unexplained = [key for key, why in listed if why.startswith("TODO")]
    assert not unexplained, f"survivors of {module} without an explanation (kill them or say why they change nothing)"


def test_pyproject_mutmut_section_agrees_with_the_table():
    with open(record.ROOT / "pyproject.toml", "rb") as f:
        config = tomllib.load(f)["tool"]["mutmut"]
    assert config["only_mutate"] == list(record.MODULES)
    assert config["pytest_add_cli_args_test_selection"] == [t for tests in record.MODULES.values() for t in tests]
