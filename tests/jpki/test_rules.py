"""Table tests for jpki.rules (pure functions, no database)."""

import ast
import os
import time as time_module
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jpki import rules
from jpki.rules import (
    GROUP_A,
    GROUP_B1,
    GROUP_B2,
    SIGNING_CERTIFICATE_PASSWORD_RULE,
    USER_CERTIFICATE_PASSWORD_RULE,
    age_on,
    card_expiry,
    certificate_expiry,
    certificate_state,
    counter_is_open,
    identity_documents_sufficient,
    in_renewal_window,
    is_counter_day,
    is_official_photo_id,
    next_counter_day,
    nth_birthday_after,
    reissue_fee,
    renewal_window,
    signing_certificate_allowed,
)

D = date
TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


# ---------------------------------------------------------------------------
# nth_birthday_after
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "birth", "n", "expected"),
    [
        # birthday later in the same year counts as the 1st
        (D(2026, 11, 25), D(1985, 12, 1), 1, D(2026, 12, 1)),
        # birthday earlier in the year: the 1st is next year
        (D(2026, 11, 25), D(1985, 6, 1), 1, D(2027, 6, 1)),
        (D(2026, 11, 25), D(1985, 6, 1), 5, D(2031, 6, 1)),
        # a birthday ON the day does not count
        (D(2026, 6, 1), D(1985, 6, 1), 1, D(2027, 6, 1)),
        (D(2026, 6, 1), D(1985, 6, 1), 5, D(2031, 6, 1)),
        # the day before a birthday: that birthday is the 1st
        (D(2026, 5, 31), D(1985, 6, 1), 5, D(2030, 6, 1)),
        # 29 February, common target year -> 28 February
        (D(2026, 11, 25), D(1940, 2, 29), 5, D(2031, 2, 28)),
        # 29 February, leap target year stays 29th
        (D(2023, 3, 1), D(2000, 2, 29), 5, D(2028, 2, 29)),
        (D(2026, 11, 25), D(1940, 2, 29), 2, D(2028, 2, 29)),
        # issued on the substitute birthday 28 Feb of a common year: it does not count
        (D(2027, 2, 28), D(1940, 2, 29), 1, D(2028, 2, 29)),
        # issued on 28 Feb of a leap year: the birthday is tomorrow (29th)
        (D(2028, 2, 28), D(1940, 2, 29), 1, D(2028, 2, 29)),
        # issued on 29 Feb itself (leap year): does not count
        (D(2028, 2, 29), D(1940, 2, 29), 1, D(2029, 2, 28)),
        # born on the day itself
        (D(2020, 4, 1), D(2020, 4, 1), 1, D(2021, 4, 1)),
    ],
)
def test_nth_birthday_after(day, birth, n, expected):
    assert nth_birthday_after(day, birth, n) == expected


@pytest.mark.parametrize(
    ("day", "birth", "n"),
    [
        (D(2026, 1, 1), D(1985, 6, 1), 0),
        (D(2026, 1, 1), D(1985, 6, 1), -1),
        (D(1980, 1, 1), D(1985, 6, 1), 5),  # before birth
    ],
)
def test_nth_birthday_after_rejects_bad_input(day, birth, n):
    with pytest.raises(ValueError):
        nth_birthday_after(day, birth, n)


def test_nth_birthday_after_says_what_is_wrong():
    with pytest.raises(ValueError, match=r"^n must be at least 1, got 0$"):
        nth_birthday_after(D(2026, 1, 1), D(1985, 6, 1), 0)
    with pytest.raises(ValueError, match=r"^day 1980-01-01 is before the birth date 1985-06-01$"):
        nth_birthday_after(D(1980, 1, 1), D(1985, 6, 1), 5)


# ---------------------------------------------------------------------------
# age_on
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        (D(1985, 6, 1), D(2026, 11, 25), 41),
        (D(1985, 6, 1), D(2026, 6, 1), 41),  # on the birthday
        (D(1985, 6, 1), D(2026, 5, 31), 40),  # day before
        (D(2014, 3, 10), D(2026, 11, 25), 12),
        (D(2000, 2, 29), D(2027, 2, 27), 26),
        (D(2000, 2, 29), D(2027, 2, 28), 27),  # 28 Feb rule in a common year
        (D(2000, 2, 29), D(2028, 2, 28), 27),  # leap year: birthday is 29th
        (D(2000, 2, 29), D(2028, 2, 29), 28),
        (D(2026, 11, 25), D(2026, 11, 25), 0),
    ],
)
def test_age_on(birth, day, expected):
    assert age_on(birth, day) == expected


def test_age_on_before_birth_raises():
    with pytest.raises(ValueError, match=r"^day 2000-01-01 is before the birth date 2000-01-02$"):
        age_on(D(2000, 1, 2), D(2000, 1, 1))


# ---------------------------------------------------------------------------
# certificate_expiry
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # scenario 1: 山田花子, new issuance
        (dict(issued_on=D(2026, 11, 25), birth_date=D(1985, 6, 1)), D(2031, 6, 1)),
        # ... her card (2034-06-01) is later: no cap
        (
            dict(issued_on=D(2026, 11, 25), birth_date=D(1985, 6, 1), card_expires_on=D(2034, 6, 1)),
            D(2031, 6, 1),
        ),
        # scenario 2: 鈴木キヨ, 29 February, visit 2 on 2026-12-07
        (dict(issued_on=D(2026, 12, 7), birth_date=D(1940, 2, 29)), D(2031, 2, 28)),
        (dict(issued_on=D(2026, 11, 25), birth_date=D(1940, 2, 29)), D(2031, 2, 28)),
        # issued on the birthday: that birthday does not count
        (dict(issued_on=D(2026, 6, 1), birth_date=D(1985, 6, 1)), D(2031, 6, 1)),
        # scenario 5: 伊藤健, renewal inside the window -> 6th birthday
        (
            dict(issued_on=D(2027, 5, 18), birth_date=D(1980, 8, 17), renewed=True),
            D(2032, 8, 17),
        ),
        # the same day without renewed -> 5th birthday
        (dict(issued_on=D(2027, 5, 18), birth_date=D(1980, 8, 17)), D(2031, 8, 17)),
        # renewal on the expiry day itself (a birthday: does not count) -> 6th after
        (
            dict(issued_on=D(2027, 8, 17), birth_date=D(1980, 8, 17), renewed=True),
            D(2033, 8, 17),
        ),
        # after expiry: new issuance, 5th birthday
        (dict(issued_on=D(2027, 8, 18), birth_date=D(1980, 8, 17)), D(2032, 8, 17)),
        # card expires first: capped by the card
        (
            dict(issued_on=D(2026, 11, 25), birth_date=D(1985, 6, 1), card_expires_on=D(2029, 3, 31)),
            D(2029, 3, 31),
        ),
        # signing certificate capped by the user certificate (scenario 3)
        (
            dict(
                issued_on=D(2026, 11, 25),
                birth_date=D(1985, 6, 1),
                user_certificate_expires_on=D(2028, 6, 1),
            ),
            D(2028, 6, 1),
        ),
        # both caps: the earliest wins
        (
            dict(
                issued_on=D(2026, 11, 25),
                birth_date=D(1985, 6, 1),
                card_expires_on=D(2029, 3, 31),
                user_certificate_expires_on=D(2028, 6, 1),
            ),
            D(2028, 6, 1),
        ),
        (
            dict(
                issued_on=D(2026, 11, 25),
                birth_date=D(1985, 6, 1),
                card_expires_on=D(2027, 1, 15),
                user_certificate_expires_on=D(2028, 6, 1),
            ),
            D(2027, 1, 15),
        ),
        # caps later than the birthday rule change nothing
        (
            dict(
                issued_on=D(2026, 11, 25),
                birth_date=D(1985, 6, 1),
                renewed=True,
                card_expires_on=D(2040, 1, 1),
                user_certificate_expires_on=D(2033, 1, 1),
            ),
            D(2032, 6, 1),
        ),
    ],
)
def test_certificate_expiry(kwargs, expected):
    assert certificate_expiry(**kwargs) == expected


# ---------------------------------------------------------------------------
# renewal window and certificate state
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_on", "expected"),
    [
        # the city's booking guide: 8/17 -> from 5/18
        (D(2027, 8, 17), (D(2027, 5, 18), D(2027, 8, 17))),
        # scenario 1: 2031-06-01 -> from 2031-03-02
        (D(2031, 6, 1), (D(2031, 3, 2), D(2031, 6, 1))),
        # month-end clamping: 3 months before 5/31 is 2/28 (common) / 2/29 (leap)
        (D(2027, 5, 31), (D(2027, 3, 1), D(2027, 5, 31))),
        (D(2028, 5, 31), (D(2028, 3, 1), D(2028, 5, 31))),
        (D(2027, 5, 29), (D(2027, 3, 1), D(2027, 5, 29))),
        # across the year boundary
        (D(2028, 2, 28), (D(2027, 11, 29), D(2028, 2, 28))),
        (D(2031, 2, 28), (D(2030, 11, 29), D(2031, 2, 28))),
        (D(2027, 1, 31), (D(2026, 11, 1), D(2027, 1, 31))),
    ],
)
def test_renewal_window(expires_on, expected):
    assert renewal_window(expires_on) == expected


@pytest.mark.parametrize(
    ("expires_on", "day", "expected"),
    [
        (D(2027, 8, 17), D(2027, 5, 17), False),  # scenario 5: not yet
        (D(2027, 8, 17), D(2027, 5, 18), True),
        (D(2027, 8, 17), D(2027, 8, 17), True),  # last day
        (D(2027, 8, 17), D(2027, 8, 18), False),  # expired
        (D(2031, 6, 1), D(2031, 3, 1), False),
        (D(2031, 6, 1), D(2031, 3, 2), True),
    ],
)
def test_in_renewal_window(expires_on, day, expected):
    assert in_renewal_window(expires_on, day) is expected


@pytest.mark.parametrize(
    ("expires_on", "day", "expected"),
    [
        (D(2027, 8, 17), D(2026, 11, 25), "valid"),
        (D(2027, 8, 17), D(2027, 5, 17), "valid"),
        (D(2027, 8, 17), D(2027, 5, 18), "renewal_window"),
        (D(2027, 8, 17), D(2027, 8, 17), "renewal_window"),
        (D(2027, 8, 17), D(2027, 8, 18), "expired"),
        (D(2027, 8, 17), D(2030, 1, 1), "expired"),
    ],
)
def test_certificate_state(expires_on, day, expected):
    assert certificate_state(expires_on, day) == expected


@pytest.mark.parametrize("soon_days", [0, 30, 90, 91, 92, 120, 365])
def test_certificate_state_follows_window_not_soon_days(soon_days):
    # The window of 2031-06-01 opens on 2031-03-02, 91 days before: a 90-day count would call that
    # day "valid" and a 120-day count would put 2031-03-01 inside. soon_days changes neither.
    assert renewal_window(D(2031, 6, 1))[0] == D(2031, 6, 1) - timedelta(days=91)
    assert certificate_state(D(2031, 6, 1), D(2031, 3, 2), soon_days=soon_days) == "renewal_window"
    assert certificate_state(D(2031, 6, 1), D(2031, 3, 1), soon_days=soon_days) == "valid"
    assert certificate_state(D(2031, 6, 1), D(2031, 6, 2), soon_days=soon_days) == "expired"


# ---------------------------------------------------------------------------
# card_expiry
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # scenario 1: 山田花子's card
        (dict(issued_on=D(2024, 6, 10), birth_date=D(1985, 6, 1)), D(2034, 6, 1)),
        # exactly 18 on the day of issue (her birthday: does not count) -> 10th
        (dict(issued_on=D(2026, 11, 25), birth_date=D(2008, 11, 25)), D(2036, 11, 25)),
        # 17, turning 18 tomorrow -> 5th birthday
        (dict(issued_on=D(2026, 11, 24), birth_date=D(2008, 11, 25)), D(2030, 11, 25)),
        # a child of 12 -> 5th birthday
        (dict(issued_on=D(2026, 11, 25), birth_date=D(2014, 3, 10)), D(2031, 3, 10)),
        # 29 February adult
        (dict(issued_on=D(2026, 11, 25), birth_date=D(1940, 2, 29)), D(2036, 2, 29)),
        # period of stay ends earlier: capped
        (
            dict(
                issued_on=D(2026, 11, 25),
                birth_date=D(1990, 4, 1),
                period_of_stay_ends_on=D(2029, 9, 30),
            ),
            D(2029, 9, 30),
        ),
        # period of stay ends later: birthday rule
        (
            dict(
                issued_on=D(2026, 11, 25),
                birth_date=D(1990, 4, 1),
                period_of_stay_ends_on=D(2040, 1, 1),
            ),
            D(2036, 4, 1),
        ),
        # permanent resident: None -> birthday rule
        (
            dict(issued_on=D(2026, 11, 25), birth_date=D(1990, 4, 1), period_of_stay_ends_on=None),
            D(2036, 4, 1),
        ),
    ],
)
def test_card_expiry(kwargs, expected):
    assert card_expiry(**kwargs) == expected


# ---------------------------------------------------------------------------
# signing certificate eligibility
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "adult_ward", "expected"),
    [
        (D(2014, 3, 10), D(2026, 11, 25), False, False),  # scenario 6: 12 years old
        (D(2011, 11, 26), D(2026, 11, 25), False, False),  # 15 tomorrow
        (D(2011, 11, 25), D(2026, 11, 25), False, True),  # 15 today
        (D(1985, 6, 1), D(2026, 11, 25), False, True),
        (D(1985, 6, 1), D(2026, 11, 25), True, False),  # adult ward
        (D(2011, 11, 25), D(2026, 11, 25), True, False),
    ],
)
def test_signing_certificate_allowed(birth, on, adult_ward, expected):
    assert signing_certificate_allowed(birth_date=birth, on=on, adult_ward=adult_ward) is expected


# ---------------------------------------------------------------------------
# fees
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signing", "user", "expected"),
    [
        (True, True, 200),  # both at the same time: 200 in total
        (True, False, 200),
        (False, True, 200),
        (False, False, 0),
    ],
)
def test_reissue_fee(signing, user, expected):
    assert reissue_fee(signing=signing, user=user) == expected


# ---------------------------------------------------------------------------
# counter hours
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (tokyo(2026, 11, 25, 10, 5), True),  # Wednesday, scenario 1
        (tokyo(2026, 11, 25, 9, 0), True),  # opening minute
        (tokyo(2026, 11, 25, 8, 59), False),
        (tokyo(2026, 11, 25, 8, 59, 59), False),
        (tokyo(2026, 11, 25, 17, 29), True),
        (tokyo(2026, 11, 25, 17, 29, 59), True),
        (tokyo(2026, 11, 25, 17, 30), False),  # closing time is closed
        (tokyo(2026, 11, 25, 17, 45), False),  # scenario 8
        (tokyo(2026, 11, 28, 10, 0), False),  # Saturday
        (tokyo(2026, 11, 29, 10, 0), False),  # Sunday
        (tokyo(2026, 11, 23, 10, 0), False),  # Monday, 勤労感謝の日
        (tokyo(2026, 11, 3, 10, 0), False),  # Tuesday, 文化の日
        (tokyo(2026, 5, 6, 10, 0), False),  # Wednesday, 振替休日
        (tokyo(2026, 5, 7, 10, 0), True),  # Thursday after Golden Week
        (tokyo(2026, 9, 22, 10, 0), False),  # Tuesday, 国民の休日
        (tokyo(2026, 12, 28, 10, 0), True),  # Monday, last day of the year
        (tokyo(2026, 12, 29, 10, 0), False),  # Tuesday, year-end break
        (tokyo(2026, 12, 30, 10, 0), False),
        (tokyo(2028, 1, 3, 10, 0), False),  # Monday 01-03, year-end break
        (tokyo(2027, 1, 4, 10, 0), True),  # Monday 01-04, open again
        (tokyo(2027, 1, 11, 10, 0), False),  # 成人の日
        # other time zones are converted to Tokyo
        (datetime(2026, 11, 25, 1, 5, tzinfo=UTC), True),  # 10:05 JST
        (datetime(2026, 11, 25, 8, 30, tzinfo=UTC), False),  # 17:30 JST
        (datetime(2026, 11, 24, 23, 59, tzinfo=UTC), False),  # 08:59 JST
        (datetime(2026, 11, 27, 20, 0, tzinfo=timezone(timedelta(hours=-5))), False),  # Sat 10:00 JST
        (datetime(2026, 11, 22, 19, 0, tzinfo=timezone(timedelta(hours=-5))), False),  # Mon 11/23 09:00 JST
        (datetime(2026, 11, 23, 19, 0, tzinfo=timezone(timedelta(hours=-5))), True),  # Tue 11/24 09:00 JST
    ],
)
def test_counter_is_open(moment, expected):
    assert counter_is_open(moment) is expected


# A week without holidays: open Monday to Friday, closed on the weekend.
ORDINARY_WEEK = [
    (D(2026, 11, 30), "Monday", True),
    (D(2026, 12, 1), "Tuesday", True),
    (D(2026, 12, 2), "Wednesday", True),
    (D(2026, 12, 3), "Thursday", True),
    (D(2026, 12, 4), "Friday", True),
    (D(2026, 12, 5), "Saturday", False),
    (D(2026, 12, 6), "Sunday", False),
]


@pytest.mark.parametrize(("day", "weekday", "open_"), ORDINARY_WEEK, ids=[row[1] for row in ORDINARY_WEEK])
def test_every_weekday(day, weekday, open_):
    assert day.weekday() == [row[1] for row in ORDINARY_WEEK].index(weekday)  # the table is right
    assert is_counter_day(day) is open_
    assert counter_is_open(tokyo(day.year, day.month, day.day, 9, 0)) is open_
    assert counter_is_open(tokyo(day.year, day.month, day.day, 17, 29)) is open_
    assert counter_is_open(tokyo(day.year, day.month, day.day, 17, 30)) is False
    assert next_counter_day(day) == (day if open_ else D(2026, 12, 7))


def test_counter_is_open_rejects_naive_datetime():
    with pytest.raises(ValueError, match=r"^counter_is_open needs an aware datetime, got a naive one$"):
        counter_is_open(datetime(2026, 11, 25, 10, 5))


class NoOffset(tzinfo):
    """A time zone that knows no UTC offset: datetimes with it are naive (Python's definition)."""

    def utcoffset(self, dt):
        return None

    def dst(self, dt):
        return None

    def tzname(self, dt):
        return None


def test_counter_is_open_treats_a_time_zone_without_offset_as_naive():
    moment = datetime(2026, 11, 25, 10, 5, tzinfo=NoOffset())
    assert moment.tzinfo is not None and moment.utcoffset() is None
    with pytest.raises(ValueError, match="naive"):
        counter_is_open(moment)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # fixed offsets (datetime.timezone), not only named zones
        (datetime(2026, 11, 25, 9, 0, tzinfo=timezone(timedelta(hours=9))), True),  # JST as a fixed offset
        (datetime(2026, 11, 25, 8, 59, tzinfo=timezone(timedelta(hours=9))), False),
        (datetime(2026, 11, 25, 17, 30, tzinfo=timezone(timedelta(hours=9))), False),
        (datetime(2026, 11, 25, 14, 30, tzinfo=timezone(timedelta(hours=14))), True),  # 09:30 JST
        (datetime(2026, 11, 24, 12, 0, tzinfo=timezone(timedelta(hours=-12))), True),  # Wed 09:00 JST
        (datetime(2026, 11, 24, 11, 59, tzinfo=timezone(timedelta(hours=-12))), False),  # Wed 08:59 JST
        (datetime(2026, 11, 24, 22, 0, tzinfo=timezone(timedelta(hours=-2, minutes=-30))), True),  # Wed 09:30 JST
        (datetime(2026, 11, 25, 0, 30, tzinfo=timezone(timedelta(hours=-8))), False),  # Wed 17:30 JST
    ],
)
def test_counter_is_open_with_fixed_offsets(moment, expected):
    assert counter_is_open(moment) is expected


@pytest.fixture
def process_time_zone_new_york():
    """The process's local time zone set to New York for one test (Django sets it to Tokyo)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time_module.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time_module.tzset()


@pytest.mark.usefixtures("process_time_zone_new_york")
def test_counter_hours_are_tokyo_hours_whatever_the_process_time_zone():
    assert datetime(2026, 11, 25, 10, 5).astimezone().utcoffset() == timedelta(hours=-5)  # the fixture works
    assert counter_is_open(tokyo(2026, 11, 25, 9, 0)) is True
    assert counter_is_open(tokyo(2026, 11, 25, 17, 30)) is False
    assert counter_is_open(datetime(2026, 11, 25, 0, 0, tzinfo=UTC)) is True  # 09:00 JST
    assert counter_is_open(datetime(2026, 11, 24, 23, 59, tzinfo=UTC)) is False  # 08:59 JST


@pytest.mark.parametrize("moment", [D(2026, 11, 25), "2026-11-25T10:05:00+09:00", 1764032700])
def test_counter_is_open_wants_a_datetime(moment):
    with pytest.raises(TypeError, match=rf"^expected a datetime, got {type(moment).__name__}$"):
        counter_is_open(moment)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 11, 25), True),
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 11, 29), False),  # Sunday
        (D(2026, 11, 23), False),  # 勤労感謝の日
        (D(2026, 5, 6), False),  # 振替休日
        (D(2026, 12, 28), True),
        (D(2026, 12, 29), False),
        (D(2026, 12, 31), False),
        (D(2027, 1, 1), False),
        (D(2028, 1, 3), False),
        (D(2027, 1, 4), True),
    ],
)
def test_is_counter_day(day, expected):
    assert is_counter_day(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 11, 25), D(2026, 11, 25)),  # open day itself
        (D(2026, 11, 28), D(2026, 11, 30)),  # Saturday -> Monday
        (D(2026, 11, 21), D(2026, 11, 24)),  # Saturday, Sunday, holiday Monday -> Tuesday
        (D(2026, 12, 28), D(2026, 12, 28)),
        (D(2026, 12, 29), D(2027, 1, 4)),  # year-end break
        (D(2027, 1, 1), D(2027, 1, 4)),
        (D(2026, 5, 2), D(2026, 5, 7)),  # Golden Week with 振替休日
        (D(2027, 12, 29), D(2028, 1, 4)),  # 01-03 falls on a Monday
    ],
)
def test_next_counter_day(day, expected):
    assert next_counter_day(day) == expected


# ---------------------------------------------------------------------------
# identity documents
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ([], False),
        (["driving_licence"], True),
        (["passport"], True),
        (["mynumber_card"], True),
        (["residence_card"], True),
        (["driving_history_certificate"], True),
        (["health_insurance_card"], False),  # one B-1 alone
        (["health_insurance_card", "pension_book"], True),  # B-1 + B-1
        (["care_insurance_card", "pension_book"], True),
        (["health_insurance_card", "student_id"], True),  # B-1 + B-2
        (["bank_card", "pension_book"], True),
        (["student_id", "employee_id"], False),  # two B-2 are not enough
        (["student_id", "employee_id", "patient_card"], False),
        (["patient_card", "driving_licence"], True),  # A is enough anyway
        (["library_card", "health_insurance_card"], False),  # unknown kinds count for nothing
        (["health_insurance_card", "health_insurance_card"], True),  # two cards of one B-1 kind
    ],
)
def test_identity_documents_sufficient(kinds, expected):
    assert identity_documents_sufficient(kinds) is expected


@pytest.mark.parametrize("make", [tuple, set, iter, lambda kinds: (kind for kind in kinds)])
def test_identity_documents_sufficient_takes_any_iterable(make):
    # (built inside the test: an iterator in the parameter table would be used up by its first run)
    assert identity_documents_sufficient(make(["health_insurance_card", "bank_card"])) is True
    assert identity_documents_sufficient(make(["student_id", "bank_card"])) is False


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("driving_licence", True),
        ("passport", True),
        ("special_permanent_resident_certificate", True),
        ("disability_certificate_photo", True),
        ("health_insurance_card", False),  # scenario 2 variant: refused
        ("student_id", False),
        ("", False),
    ],
)
def test_is_official_photo_id(kind, expected):
    assert is_official_photo_id(kind) is expected


def test_document_groups_are_disjoint_and_complete():
    assert set(GROUP_A) == {
        "mynumber_card",
        "driving_licence",
        "passport",
        "residence_card",
        "special_permanent_resident_certificate",
        "disability_certificate_photo",
        "driving_history_certificate",
    }
    assert set(GROUP_B1) == {"health_insurance_card", "pension_book", "care_insurance_card"}
    assert set(GROUP_B2) == {"student_id", "employee_id", "bank_card", "patient_card"}
    assert not (set(GROUP_A) & set(GROUP_B1) or set(GROUP_A) & set(GROUP_B2) or set(GROUP_B1) & set(GROUP_B2))


# ---------------------------------------------------------------------------
# password rules (printed text only)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (SIGNING_CERTIFICATE_PASSWORD_RULE, ["署名用", "6文字以上16文字以内", "英数字", "大文字・小文字", "8文字以上"]),
        (USER_CERTIFICATE_PASSWORD_RULE, ["利用者証明用", "4桁の数字"]),
    ],
)
def test_password_rule_texts(text, fragments):
    for fragment in fragments:
        assert fragment in text


def test_module_imports_no_django():
    # the rules must stay usable without settings or the ORM
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "holidays" in imported
    assert not imported & {"django", "jpki"}
