"""A believable day's register feed for the demo city (``manage.py demo_register_feed DIR``).

Reads the demo city's register (residents with their 宛名番号) and writes two files in the feed's
format (INTAKE.md): a clean day (moves within the city, a marriage, births, a death, departures,
an arrival with a character a certificate cannot hold, a stay update, a kana correction) and a
second file with a few rows the importer refuses (an unknown person, a bad sex code, the 12-digit
individual number instead of the 宛名番号, a date that does not exist, a duplicate event_id).
Writes nothing to the database.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path

from residents.feed import COLUMNS
from residents.models import Resident
from residents.safety import individual_number_check_digit

from .names import CITY_PREFIX, TOWNS

SEX_CODE = {"male": "1", "female": "2"}


def write_csv(rows: list[dict], *, encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def resident_row(event_id: str, kind: str, on: date, resident: Resident, **over) -> dict:
    """The feed row of ``kind`` for ``resident`` as the register has them, with ``over`` applied."""
    departed = kind in ("move_out", "move_abroad", "removal")
    row = {
        "event_id": event_id,
        "event": kind,
        "effective_on": f"{on:%Y-%m-%d}",
        "resident_key": resident.resident_key,
        "name": resident.name,
        "name_kana": resident.name_kana,
        "alias": resident.alias_name,
        "alias_kana": resident.name_kana if resident.alias_name else "",
        "birth_date": f"{resident.birth_date:%Y-%m-%d}",
        "sex": SEX_CODE[resident.sex],
        "postal_code": "" if departed else resident.postal_code,
        "address_town": "" if departed else resident.address_town,
        "address_block": "" if departed else resident.address_block,
        "address_building": "" if departed else resident.address_building,
        "status_of_residence": resident.residence_status,
        "period_of_stay_ends_on": f"{resident.period_of_stay_ends_on:%Y-%m-%d}"
        if resident.period_of_stay_ends_on
        else "",
    }
    row.update(over)
    return row


def _new_address(rng: random.Random, resident: Resident) -> dict:
    while True:
        town, postal, chome, *_rest = rng.choice(TOWNS)
        block = f"{rng.randint(1, 20)}番{rng.randint(1, 30)}号"
        if chome:
            block = f"{rng.randint(1, chome)}丁目{block}"
        if (CITY_PREFIX + town, block) != (resident.address_town, resident.address_block):
            return {"postal_code": postal, "address_town": CITY_PREFIX + town, "address_block": block}


def day_files(directory: Path, *, day: date, seed: int = 1) -> tuple[Path, Path, dict]:
    """Write ``feed-<day>.csv`` and ``feed-<day>-refused.csv``; returns their paths and the counts."""
    rng = random.Random(seed)
    registered = Resident.objects.filter(status=Resident.Status.REGISTERED, resident_key__isnull=False)
    adults = list(
        registered.filter(birth_date__lt=day - timedelta(days=25 * 365), birth_date__gt=day - timedelta(days=60 * 365))
        .filter(residence_status="")
        .order_by("resident_key")[:400]
    )
    if len(adults) < 12:
        raise LookupError("デモの市に住民が足りません。先に manage.py demo_city を実行してください。")
    rng.shuffle(adults)
    elderly = list(registered.filter(birth_date__lt=day - timedelta(days=85 * 365)).order_by("resident_key")[:50])
    foreign = list(
        registered.filter(period_of_stay_ends_on__isnull=False)
        .exclude(residence_status__in=Resident.PERMANENT_STATUSES)
        .order_by("resident_key")[:20]
    )
    on = day - timedelta(days=1)
    tag = f"{day:%y%m%d}"
    rows: list[dict] = []

    def event_id() -> str:
        return f"SUITA-{day:%Y%m%d}-{len(rows) + 1:04d}"

    for resident in adults[:3]:  # 転居
        rows.append(resident_row(event_id(), "move_within", on, resident, **_new_address(rng, resident)))
    bride = next(r for r in adults[3:] if r.sex == Resident.Sex.FEMALE)  # a marriage: her family name changes
    groom = next(r for r in adults[3:] if r.sex == Resident.Sex.MALE and r is not bride)
    family, family_kana = groom.name.split("　")[0], groom.name_kana.split("　")[0]
    rows.append(
        resident_row(
            event_id(),
            "name_change",
            on,
            bride,
            name=f"{family}　{bride.name.split('　')[-1]}",
            name_kana=f"{family_kana}　{bride.name_kana.split('　')[-1]}",
            postal_code=groom.postal_code,
            address_town=groom.address_town,
            address_block=groom.address_block,
            address_building=groom.address_building,
        )
    )
    rest = [r for r in adults[3:] if r not in (bride, groom)]
    for i, parent in enumerate(rest[:2]):  # 出生: at a parent's address
        baby_given, baby_kana = (("陽翔", "ハルト"), ("陽葵", "ヒマリ"))[i]
        rows.append(
            {
                **resident_row(event_id(), "birth", on, parent),
                "resident_key": f"N{tag}{i + 1:03d}",
                "name": f"{parent.name.split('　')[0]}　{baby_given}",
                "name_kana": f"{parent.name_kana.split('　')[0]}　{baby_kana}",
                "birth_date": f"{on:%Y-%m-%d}",
                "sex": "1" if i == 0 else "2",
                "alias": "",
                "alias_kana": "",
            }
        )
    if elderly:
        rows.append(resident_row(event_id(), "death", on, elderly[0]))
    rows.append(resident_row(event_id(), "move_out", on, rest[2]))
    rows.append(resident_row(event_id(), "correction", on, rest[3], name_kana=rest[3].name_kana.replace("ウ", "ー", 1)))
    if foreign:
        person = foreign[0]
        ends = person.period_of_stay_ends_on + timedelta(days=3 * 365)
        rows.append(resident_row(event_id(), "stay_update", on, person, period_of_stay_ends_on=f"{ends:%Y-%m-%d}"))
    rows.append(  # 転入: a new arrival whose name a certificate cannot hold as written (髙 → 高)
        {
            "event_id": event_id(),
            "event": "move_in",
            "effective_on": f"{on:%Y-%m-%d}",
            "resident_key": f"N{tag}101",
            "name": "髙橋　健太",
            "name_kana": "タカハシ　ケンタ",
            "alias": "",
            "alias_kana": "",
            "birth_date": "1991-04-12",
            "sex": "1",
            "postal_code": "564-0063",
            "address_town": CITY_PREFIX + "江坂町",
            "address_block": "1丁目23番5号",
            "address_building": "江坂グランドハイツ502",
            "status_of_residence": "",
            "period_of_stay_ends_on": "",
        }
    )
    directory.mkdir(parents=True, exist_ok=True)
    clean = directory / f"feed-{day:%Y-%m-%d}.csv"
    clean.write_bytes(write_csv(rows))

    first = "12345678901"
    number = first + str(individual_number_check_digit(first))
    spare = rest[4]
    bad = [
        resident_row(
            f"SUITA-{day:%Y%m%d}-9001", "move_within", on, spare, resident_key="Z99999999", address_block="9番9号"
        ),
        resident_row(f"SUITA-{day:%Y%m%d}-9002", "correction", on, spare, sex="3"),
        resident_row(f"SUITA-{day:%Y%m%d}-9003", "move_within", on, spare, resident_key=number),
        resident_row(f"SUITA-{day:%Y%m%d}-9004", "move_within", on, rest[5], effective_on=f"{day:%Y}-02-30"),
        resident_row(f"SUITA-{day:%Y%m%d}-9004", "move_within", on, rest[6], **_new_address(rng, rest[6])),
        resident_row(f"SUITA-{day:%Y%m%d}-9005", "move_within", on, rest[7], **_new_address(rng, rest[7])),
    ]
    refused = directory / f"feed-{day:%Y-%m-%d}-refused.csv"
    refused.write_bytes(write_csv(bad))
    return clean, refused, {"clean": len(rows), "refused_file": len(bad)}
