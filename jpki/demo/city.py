"""The demo city's builder: sets up offices and staff, then builds residents in chunks (in one
process, or several for a large city) with the parts in the sibling modules."""

from __future__ import annotations

import bisect
import random
import time
from datetime import date, datetime
from itertools import accumulate

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from jpki import rules
from jpki.models import Certificate, Office, StaffProfile
from residents.models import Resident

from .applications import ApplicationsMixin
from .cards import CardsMixin
from .common import (
    _IDS_PER_RESIDENT,
    APPLICATION_WINDOW_DAYS,
    CHANGE_REASON,
    CLERKS,
    DEFAULT_BATCH_SIZE,
    DEFAULT_RESIDENTS,
    DEMO_USERNAME,
    OFFICES,
    PROXY_RELATIONS,
    SERIAL_PREFIX,
    TOKYO,
    RefusedError,
    _Chunk,
)
from .names import RARE_SURNAMES, SURNAMES, TOWNS
from .people import PeopleMixin
from .staging import StagingMixin


class CityBuilder(StagingMixin, PeopleMixin, CardsMixin, ApplicationsMixin):
    """Builds the demo city. One instance per run.

    ``residents``: number of residents (scenario people included). ``seed``: makes the city
    deterministic (each chunk uses its own ``random.Random`` derived from the seed).
    ``today`` / ``now``: the reference day and moment (default: ``timezone.localdate()`` /
    ``timezone.now()``).
    """

    def __init__(
        self,
        *,
        residents: int = DEFAULT_RESIDENTS,
        seed: int | None = None,
        append: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        today: date | None = None,
        now: datetime | None = None,
        progress=None,
        workers: int = 1,
    ):
        if residents < 0:
            raise ValueError("residents must be >= 0")
        self.n = residents
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        self.append = append
        self.batch_size = max(100, batch_size)
        self.now = now or timezone.now()
        self.today = today or timezone.localdate(self.now)
        self.progress = progress  # callable(n) or None
        self.workers = max(1, workers)
        self.today_ord = self.today.toordinal()
        local_now = timezone.localtime(self.now, TOKYO)
        now_minute = local_now.hour * 60 + local_now.minute if local_now.date() == self.today else 24 * 60
        # Today's counter work exists only when today is a counter day and the counter has been open.
        self.today_open_until = min(now_minute - 2, 17 * 60 + 29)
        self.today_usable = rules.is_counter_day(self.today) and self.today_open_until >= 9 * 60 + 5
        self.last_event_ord = self.today_ord if self.today_usable else self.today_ord - 1
        self.window_start_ord = self.today_ord - APPLICATION_WINDOW_DAYS
        self._counter_days = [
            o
            for o in range(date(2003, 1, 1).toordinal(), self.today_ord + 800)
            if rules.is_counter_day(date.fromordinal(o))
        ]
        self._cd_index_today = bisect.bisect_right(self._counter_days, self.last_event_ord)
        n_window = self._cd_index_today - bisect.bisect_left(self._counter_days, self.window_start_ord)
        # Probability that an application event falls on today: the natural share, raised in a
        # small city so that the dashboard shows today's work at several offices.
        self.p_today = max(1.0 / max(1, n_window), min(0.35, 10.0 / max(1.0, residents * 0.05)))
        self._search_cache: dict[tuple[str, str], dict] = {}
        self._serial_next = self._serial_base = self._serial_limit = 0
        self._key_next = self._key_base = 0
        self.stats: dict[str, int] = {}
        self.timings: dict[str, float] = {}  # seconds per phase, for the summary
        # weighted tables
        self._surname_cum = list(accumulate(w for *_, w in SURNAMES))
        self._rare_cum = list(accumulate(w for *_, w in RARE_SURNAMES))
        self._town_cum = list(accumulate(row[3] for row in TOWNS))
        self._office_cum = list(accumulate(row[6] for row in OFFICES))
        self._relation_cum = list(accumulate(w for _, w in PROXY_RELATIONS))
        # age (years) weights per decade 0-9 ... 90-100 (roughly Suita's pyramid)
        self._decade_cum = list(accumulate((9, 9.5, 11, 12.5, 15, 14, 10.5, 10.5, 6.5, 1.5)))

    # ---------------------------------------------------------------- setup: offices, users
    def _setup(self):
        User = get_user_model()
        demo_user = User.objects.filter(username=DEMO_USERNAME).first()
        if demo_user is None:
            demo_user = User(username=DEMO_USERNAME, first_name="デモデータ", last_name="", is_staff=False)
            demo_user.set_unusable_password()
            demo_user.save()
        self.user = demo_user

        existing = {o.code: o for o in Office.objects.filter(code__in=[row[0] for row in OFFICES])}
        new_offices = [
            Office(code=code, name=name, kind=kind, postal_code=postal, address=address, phone=phone)
            for code, name, kind, postal, address, phone, _w in OFFICES
            if code not in existing
        ]
        if new_offices:
            bulk_create_with_history(
                new_offices,
                Office,
                default_user=self.user,
                default_change_reason=CHANGE_REASON,
                default_date=self.now,
            )
            existing = {o.code: o for o in Office.objects.filter(code__in=[row[0] for row in OFFICES])}
        self.offices = existing
        self.office_ids = [existing[row[0]].pk for row in OFFICES]

        clerks_by_office: dict[str, list] = {}
        profiles = []
        for username, last, first, office_code in CLERKS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, last_name=last, first_name=first, is_staff=True)
                user.set_unusable_password()
                user.save()
            if not StaffProfile.objects.filter(user=user).exists():
                profiles.append(StaffProfile(user=user, office=existing[office_code]))
            clerks_by_office.setdefault(office_code, []).append(user.pk)
        try:  # the clerks get the counter-staff role when the roles exist
            from django.contrib.auth.models import Group

            from jpki.roles import COUNTER_STAFF

            group = Group.objects.filter(name=COUNTER_STAFF).first()
            if group is not None:
                group.user_set.add(*[pk for ids in clerks_by_office.values() for pk in ids])
        except ImportError:
            pass
        if profiles:
            bulk_create_with_history(
                profiles,
                StaffProfile,
                default_user=self.user,
                default_change_reason=CHANGE_REASON,
                default_date=self.now,
            )
        self.clerks = {self.offices[code].pk: ids for code, ids in clerks_by_office.items()}
        self.office_pk = {code: o.pk for code, o in existing.items()}
        last = (
            Certificate.objects.filter(serial__startswith=SERIAL_PREFIX, serial__regex=r"^DM[0-9]{14}$")
            .order_by("-serial")
            .values_list("serial", flat=True)
            .first()
        )
        self._serial_base = int(last[len(SERIAL_PREFIX) :]) + 1 if last else 1
        # 宛名番号 of the demo city: D + 10 digits (never 12 digits in a row: not a 個人番号's shape),
        # after the highest one already there (--append).
        last_key = (
            Resident.objects.filter(resident_key__regex=r"^D[0-9]{10}$")
            .order_by("-resident_key")
            .values_list("resident_key", flat=True)
            .first()
        )
        self._key_base = int(last_key[1:]) + 1 if last_key else 1

    # ---------------------------------------------------------------- entry point
    def build(self) -> dict:
        started = time.monotonic()
        if Resident.objects.exists() and not self.append:
            raise RefusedError(
                "住民が既に登録されています。デモの市を追加するには --append を指定してください（削除はしません）。"
            )
        include_scenario = not Resident.objects.exists()
        with transaction.atomic():
            self._setup()
        self._tune_connection()
        remaining = self.n
        phase = time.monotonic()
        if include_scenario:
            chunk = _Chunk()
            rng = random.Random(f"{self.seed}:scenario")
            self._start_chunk(0)
            self._scenario(chunk, rng)
            k = len(chunk.residents)
            extra = max(0, min(remaining - k, self.batch_size - k))
            self._random_residents(chunk, rng, extra)
            self._ensure_variety(chunk, rng)
            self._flush(chunk)
            remaining -= k + extra
            if self.progress:
                self.progress(k + extra)
            self.timings["first chunk"] = time.monotonic() - phase
        # the other chunks: chunk c (1, 2, ...) has its own random.Random, so the city is the same
        # whichever process builds it
        jobs = []
        c = 0
        while remaining > 0:
            c += 1
            count = min(self.batch_size, remaining)
            jobs.append((c, count))
            remaining -= count
        workers = min(self.workers, len(jobs))
        if connection.in_atomic_block or (connection.vendor == "sqlite" and connection.is_in_memory_db()):
            workers = 1  # a caller's transaction or an in-memory database cannot be shared with processes
        phase = time.monotonic()
        if workers > 1 and connection.vendor == "postgresql" and not self._pg_can_create_schema():
            workers = 1  # no CREATE privilege on the database for the scratch schemas
        if workers > 1:
            self._build_parallel(jobs, workers)
        else:
            for c, count in jobs:
                self._build_chunk(c, count)
                if self.progress:
                    self.progress(count)
            if jobs:
                self.timings["other chunks"] = time.monotonic() - phase
        self.stats["elapsed_seconds"] = round(time.monotonic() - started, 1)
        return self.stats

    def _start_chunk(self, c: int):
        # Each chunk's keys from its own range (room for the residents a chunk adds for variety).
        self._key_next = self._key_base + c * self.batch_size * 2
        self._serial_next = self._serial_base + c * self.batch_size * _IDS_PER_RESIDENT["certificates"]
        self._serial_limit = self._serial_next + self.batch_size * _IDS_PER_RESIDENT["certificates"]

    def _build_chunk(self, c: int, count: int, id_bases: dict | None = None):
        rng = random.Random(f"{self.seed}:{c}")
        chunk = _Chunk()
        self._start_chunk(c)
        self._random_residents(chunk, rng, count)
        if id_bases is not None:
            self._assign_ids(chunk, c, id_bases)
        self._flush(chunk)


def build_city(**kwargs) -> dict:
    return CityBuilder(**kwargs).build()
