"""Feed files for ``manage.py bench_intake`` (and rows for ``demo_register_feed``): an initial load
(every person as ``move_in``) and a day's file of every kind of event, written as INTAKE.md says.

A :class:`Person` is the snapshot the file last gave for a key, so that a day's file written after
a load carries whole records consistent with the register.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from jpki.demo.feed import SEX_CODE, write_csv
from jpki.demo.names import CITY_PREFIX, FOREIGN_NAMES, GIVEN_NAMES, RARE_SURNAMES, SURNAMES, TOWNS


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    kana: str
    birth_date: date
    sex: str
    postal_code: str
    town: str
    block: str
    building: str = ""
    alias: str = ""
    residence_status: str = ""
    stay_ends_on: date | None = None


def _given(rng: random.Random, sex: str, birth: date) -> tuple[str, str]:
    decades = sorted(k[1] for k in GIVEN_NAMES if k[0] == sex)
    index = min(max(0, (birth.year - 1955) // 20 + 1), len(decades) - 1)
    return rng.choice(GIVEN_NAMES[(sex, decades[index])])


def _address(rng: random.Random) -> tuple[str, str, str]:
    town, postal, chome, *_rest = rng.choice(TOWNS)
    block = f"{rng.randint(1, 30)}番{rng.randint(1, 40)}号"
    if chome:
        block = f"{rng.randint(1, chome)}丁目{block}"
    return postal, CITY_PREFIX + town, block


def make_person(rng: random.Random, key: str, today: date, *, born: date | None = None) -> Person:
    """A believable resident of the demo city (a few foreign residents, a few rare characters)."""
    postal, town, block = _address(rng)
    building = (
        f"{rng.choice(('泉', '江坂', '千里', '山田'))}ハイツ{rng.randint(1, 5)}0{rng.randint(1, 9)}"
        if rng.random() < 0.3
        else ""
    )
    birth = born or today - timedelta(days=rng.randint(365, 90 * 365))
    if rng.random() < 0.03:
        name, kana, sex, alias, statuses = rng.choice(FOREIGN_NAMES)
        status = rng.choice(statuses)
        ends = (
            None
            if status in ("永住者", "特別永住者", "高度専門職2号")
            else today + timedelta(days=rng.randint(30, 1500))
        )
        return Person(key, name, kana, birth, sex, postal, town, block, building, alias, status, ends)
    sex = rng.choice(("male", "female"))
    family = rng.choice(RARE_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
    given, given_kana = _given(rng, sex, birth)
    return Person(key, f"{family[0]}　{given}", f"{family[1]}　{given_kana}", birth, sex, postal, town, block, building)


def row(event_id: str, event: str, on: date, person: Person, *, departed: bool = False) -> dict:
    return {
        "event_id": event_id,
        "event": event,
        "effective_on": f"{on:%Y-%m-%d}",
        "resident_key": person.key,
        "name": person.name,
        "name_kana": person.kana,
        "alias": person.alias,
        "alias_kana": person.kana if person.alias else "",
        "birth_date": f"{person.birth_date:%Y-%m-%d}",
        "sex": SEX_CODE[person.sex],
        "postal_code": "" if departed else person.postal_code,
        "address_town": "" if departed else person.town,
        "address_block": "" if departed else person.block,
        "address_building": "" if departed else person.building,
        "status_of_residence": person.residence_status,
        "period_of_stay_ends_on": f"{person.stay_ends_on:%Y-%m-%d}" if person.stay_ends_on else "",
    }


def initial_load(n: int, *, prefix: str, today: date, seed: int = 1) -> tuple[list[Person], bytes]:
    """``n`` persons, each as one ``move_in`` (keys ``prefix`` + 8 digits)."""
    rng = random.Random(seed)
    people = [make_person(rng, f"{prefix}{i:08d}", today) for i in range(n)]
    on = today - timedelta(days=1)
    rows = [row(f"{prefix}-L{i:08d}", "move_in", on, p) for i, p in enumerate(people)]
    return people, write_csv(rows)


def daily(people: list[Person], n: int, *, prefix: str, today: date, seed: int = 2) -> bytes:
    """A day's file of ``n`` events over ``people`` (each person at most once): moves within the
    city (40 %), name changes, kana corrections, stay updates, departures, births and arrivals."""
    rng = random.Random(seed)
    on = today - timedelta(days=1)
    pool = list(people)
    rng.shuffle(pool)
    mix = (
        ("move_within", 0.40),
        ("name_change", 0.08),
        ("correction", 0.05),
        ("stay_update", 0.02),
        ("move_out", 0.15),
        ("move_abroad", 0.02),
        ("death", 0.06),
        ("removal", 0.02),
        ("birth", 0.10),
    )
    rows: list[dict] = []
    for kind, share in mix:
        for _ in range(int(n * share)):
            event_id = f"{prefix}-D{len(rows):07d}"
            if kind == "birth":
                baby = make_person(rng, f"{prefix}B{len(rows):07d}", today, born=on)
                rows.append(row(event_id, "birth", on, replace(baby, residence_status="", stay_ends_on=None, alias="")))
                continue
            if not pool:
                break
            person = pool.pop()
            if kind == "move_within":
                postal, town, block = _address(rng)
                if (town, block) == (person.town, person.block):
                    block = block + "の2"
                person = replace(person, postal_code=postal, town=town, block=block, building="")
            elif kind == "name_change":
                family = rng.choice(SURNAMES)
                given = person.name.split("　")[-1]
                given_kana = person.kana.split("　")[-1]
                if family[0] == person.name.split("　")[0]:
                    family = ("佐々木", "ササキ", 0)
                person = replace(person, name=f"{family[0]}　{given}", kana=f"{family[1]}　{given_kana}")
            elif kind == "correction":
                person = replace(person, kana=person.kana + "ー")
            elif kind == "stay_update":
                ends = (person.stay_ends_on or today) + timedelta(days=3 * 365)
                person = replace(person, residence_status=person.residence_status or "定住者", stay_ends_on=ends)
            rows.append(row(event_id, kind, on, person, departed=kind in ("move_out", "move_abroad", "removal")))
    while len(rows) < n:
        arrival = make_person(rng, f"{prefix}M{len(rows):07d}", today)
        rows.append(row(f"{prefix}-D{len(rows):07d}", "move_in", on, arrival))
    return write_csv(rows)
