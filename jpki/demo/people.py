"""People and addresses: names, kana, towns, buildings, counter days and moments, offices
and clerks of the demo city."""

from __future__ import annotations

import bisect
from datetime import date, datetime

from residents.models import Resident

from .common import (
    REGISTER_HISTORY_START,
    SCENARIO_KANA,
    SERIAL_PREFIX,
    TOKYO,
    _Chunk,
    _Person,
)
from .names import BUILDING_STEMS, CITY_PREFIX, FOREIGN_NAMES, GIVEN_NAMES, RARE_SURNAMES, SURNAMES, TOWNS


class PeopleMixin:
    """People and addresses: names, kana, towns, buildings, counter days and moments, offices

    A part of :class:`jpki.demo.city.CityBuilder`.
    """

    # ---------------------------------------------------------------- small helpers
    def _search_keys(self, name: str, kana: str) -> dict:
        """Resident's normalized search keys (what save() would fill), memoized per name."""
        keys = self._search_cache.get((name, kana))
        if keys is None:
            scratch = Resident(name=name, name_kana=kana)
            fill = getattr(scratch, "fill_search_keys", None)
            if fill is not None:
                fill()
            else:  # older model
                from residents.normalize import search_key

                scratch.name_search, scratch.kana_search = search_key(name), search_key(kana)
            fields = getattr(Resident, "SEARCH_FIELDS", ("name_search", "kana_search"))
            keys = self._search_cache[(name, kana)] = {f: getattr(scratch, f) for f in fields}
        return keys

    def _counter_day(self, rng, lo: int, hi: int) -> int | None:
        """A random counter day (ordinal) in [lo, hi], or None."""
        cd = self._counter_days
        i = bisect.bisect_left(cd, lo)
        j = bisect.bisect_right(cd, hi)
        if i >= j:
            return None
        return cd[rng.randrange(i, j)]

    def _snap(self, o: int, hi: int) -> int | None:
        """The first counter day on or after ``o`` if it is <= hi, else None."""
        cd = self._counter_days
        i = bisect.bisect_left(cd, o)
        if i < len(cd) and cd[i] <= hi:
            return cd[i]
        return None

    def _prev_day(self, o: int) -> int:
        """The last counter day on or before ``o``."""
        cd = self._counter_days
        return cd[max(0, bisect.bisect_right(cd, o) - 1)]

    def _app_day(self, rng, lo: int | None = None) -> int | None:
        """A counter day for an application event in the window (today with p_today)."""
        lo = self.window_start_ord if lo is None else max(lo, self.window_start_ord)
        if self.today_usable and lo <= self.today_ord and rng.random() < self.p_today:
            return self.today_ord
        return self._counter_day(rng, lo, self.last_event_ord)

    def _moment(self, rng, o: int, *, late: bool = False) -> datetime:
        """An aware moment during counter hours on day ``o`` (not after now)."""
        if late:
            minute = 17 * 60 + 31 + rng.randrange(0, 60)
            if o == self.today_ord:
                minute = min(minute, self.today_open_until)
        elif o == self.today_ord:
            minute = 9 * 60 + rng.randrange(0, max(1, self.today_open_until - 9 * 60))
        else:
            minute = 9 * 60 + rng.randrange(0, 8 * 60 + 20)
        d = date.fromordinal(o)
        return datetime(d.year, d.month, d.day, minute // 60, minute % 60, rng.randrange(60), tzinfo=TOKYO)

    def _registered_at(self, o: int) -> datetime:
        """When the register's history of a resident born or arrived on day ``o`` starts: that day at
        9:00 (at the earliest :data:`REGISTER_HISTORY_START`, never after now), before any card."""
        d = date.fromordinal(max(o, REGISTER_HISTORY_START.toordinal()))
        return min(datetime(d.year, d.month, d.day, 9, 0, tzinfo=TOKYO), self.now)

    def _office(self, rng, near: str) -> int:
        if rng.random() < 0.6:
            return self.office_pk[near]
        return self.office_ids[bisect.bisect_right(self._office_cum, rng.random() * self._office_cum[-1])]

    def _clerk(self, rng, office_id: int) -> int:
        ids = self.clerks[office_id]
        return ids[rng.randrange(len(ids))]

    def _serial(self) -> str:
        value = f"{SERIAL_PREFIX}{self._serial_next:014d}"
        self._serial_next += 1
        if self._serial_next > self._serial_limit:
            raise RuntimeError("too many certificates in one chunk")
        return value

    # ---------------------------------------------------------------- residents
    def _address(self, rng, town_row=None):
        if town_row is None:
            town_row = TOWNS[bisect.bisect_right(self._town_cum, rng.random() * self._town_cum[-1])]
        town, postal, chome, _w, office, area, nt = town_row
        if nt:
            block = f"{rng.randint(1, chome)}丁目{rng.randint(1, 12)}番{rng.randint(1, 30)}号"
            r = rng.random()
            if r < 0.35:
                building = (
                    f"{town}団地 {'ABCDEFGH'[rng.randrange(8)]}{rng.randint(1, 40)}棟 "
                    f"{rng.randint(1, 5)}{rng.randint(1, 10):02d}号室"
                )
            elif r < 0.55:
                building = f"府営{town}住宅 {rng.randint(1, 30)}棟 {rng.randint(1, 5)}{rng.randint(1, 10):02d}号室"
            elif r < 0.75:
                stem = BUILDING_STEMS[rng.randrange(len(BUILDING_STEMS))]
                building = f"{stem}{area} {rng.randint(1, 14)}{rng.randint(1, 12):02d}号室"
            else:
                building = ""
        else:
            if chome:
                block = f"{rng.randint(1, chome)}丁目{rng.randint(1, 30)}番{rng.randint(1, 40)}号"
            else:
                block = f"{rng.randint(1, 40)}番{rng.randint(1, 30)}号"
            if rng.random() < 0.38:
                stem = BUILDING_STEMS[rng.randrange(len(BUILDING_STEMS))]
                building = f"{stem}{area} {rng.randint(1, 12)}{rng.randint(1, 12):02d}号室"
            else:
                building = ""
        return CITY_PREFIX + town, postal, block, building, office

    def _japanese_name(self, rng, sex: str, birth_year: int):
        if rng.random() < 0.018:
            table, cum = RARE_SURNAMES, self._rare_cum
        else:
            table, cum = SURNAMES, self._surname_cum
        sur, sur_kana, _w = table[bisect.bisect_right(cum, rng.random() * cum[-1])]
        gen = 0 if birth_year <= 1955 else 1 if birth_year <= 1985 else 2 if birth_year <= 2005 else 3
        if rng.random() < 0.15:  # names cross generations
            gen = min(3, max(0, gen + (1 if rng.random() < 0.5 else -1)))
        names = GIVEN_NAMES[(sex, gen)]
        given, given_kana = names[rng.randrange(len(names))]
        return f"{sur}　{given}", f"{sur_kana}　{given_kana}"

    def _random_residents(self, chunk: _Chunk, rng, count: int):
        today_ord = self.today_ord
        for _ in range(count):
            # age
            decade = bisect.bisect_right(self._decade_cum, rng.random() * self._decade_cum[-1])
            age_days = int((decade * 10 + rng.random() * (11 if decade == 9 else 10)) * 365.2425)
            birth_ord = today_ord - max(1, age_days)
            birth = date.fromordinal(birth_ord)
            age = (today_ord - birth_ord) // 365
            sex = "male" if rng.random() < 0.485 else "female"
            town, postal, block, building, office = self._address(rng)
            alias = ""
            residence_status = ""
            stay_end = None
            stay_cap = None
            arrival_ord = birth_ord
            if rng.random() < 0.025:  # foreign resident
                name, kana, sex, alias, statuses = FOREIGN_NAMES[rng.randrange(len(FOREIGN_NAMES))]
                residence_status = statuses[rng.randrange(len(statuses))]
                if residence_status not in ("永住者", "特別永住者"):
                    if age < 16 and residence_status not in ("家族滞在", "定住者", "日本人の配偶者等"):
                        residence_status = "家族滞在"
                    stay_end = date.fromordinal(today_ord + rng.randint(20, 1500))
                    if residence_status != "高度専門職2号":
                        stay_cap = stay_end
                    arrival_ord = max(birth_ord, today_ord - rng.randint(60, 3000))
                elif residence_status == "永住者":
                    arrival_ord = max(birth_ord, today_ord - rng.randint(2000, 9000))
            else:
                name, kana = self._japanese_name(rng, sex, birth.year)
                while kana in SCENARIO_KANA:
                    name, kana = self._japanese_name(rng, sex, birth.year)
            # register status
            r = rng.random()
            p_dead = 0.004 if age < 60 else 0.02 if age < 80 else 0.07
            gone_ord = None
            if r < p_dead:
                status = "deceased"
            elif r < p_dead + 0.03:
                status = "moved_out"
            elif r < p_dead + 0.036:
                status = "moved_abroad"
            elif r < p_dead + 0.037:
                status = "removed"
            else:
                status = "registered"
            if status != "registered":
                gone_ord = today_ord - rng.randint(1, 1000)
                if gone_ord <= birth_ord:
                    gone_ord = birth_ord + 1 if birth_ord + 1 < today_ord else today_ord
                if stay_end is not None and stay_end.toordinal() < gone_ord:
                    stay_end = date.fromordinal(gone_ord + 30)
                    stay_cap = stay_end if stay_cap is not None else None
            ward = age >= 20 and rng.random() < (0.002 if age < 65 else 0.012)
            res = Resident(
                name=name,
                name_kana=kana,
                alias_name=alias,
                birth_date=birth,
                sex=sex,
                postal_code=postal,
                address_town=town,
                address_block=block,
                address_building=building,
                status=status,
                status_changed_on=date.fromordinal(gone_ord) if gone_ord else None,
                residence_status=residence_status,
                period_of_stay_ends_on=stay_end,
                is_adult_ward=ward,
                **self._search_keys(name, kana),
            )
            res._history_date = self._registered_at(arrival_ord)  # the date of the history row of creation
            chunk.residents.append(res)
            address = town + block + (f"　{building}" if building else "")
            person = _Person(res, birth, birth_ord, ward, stay_cap, status, gone_ord, office, address, arrival_ord)
            chunk.people.append(person)
            self._cards_for(chunk, rng, person, age)

    # ---------------------------------------------------------------- cards
    _YEAR_WEIGHTS = {
        2016: 4,
        2017: 3,
        2018: 3,
        2019: 4,
        2020: 11,
        2021: 13,
        2022: 20,
        2023: 17,
        2024: 10,
        2025: 8,
        2026: 7,
    }
