"""Pure domain rules of the JPKI counter (公的個人認証サービス 電子証明書の窓口).

Everything here is a plain function of its arguments: no ORM, no Django settings,
no clock. Callers pass "today" / "now" explicitly.

Sources: the city's page (吹田市 市民部 市民課, "公的個人認証(電子証明書)") wins over
``DOMAIN.md``; rules marked *(practice)* come from other municipalities' procedures.
"""

from __future__ import annotations

import calendar
import functools
import inspect
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "TOKYO",
    "COUNTER_OPENS_AT",
    "COUNTER_CLOSES_AT",
    "CERTIFICATE_VALIDITY_BIRTHDAYS",
    "RENEWED_CERTIFICATE_VALIDITY_BIRTHDAYS",
    "RENEWAL_WINDOW_MONTHS",
    "ADULT_AGE",
    "SIGNING_CERTIFICATE_MIN_AGE",
    "REISSUE_FEE_YEN",
    "GROUP_A",
    "GROUP_B1",
    "GROUP_B2",
    "SIGNING_CERTIFICATE_PASSWORD_RULE",
    "USER_CERTIFICATE_PASSWORD_RULE",
    "birthday_in_year",
    "nth_birthday_after",
    "age_on",
    "add_months",
    "certificate_expiry",
    "renewal_window",
    "in_renewal_window",
    "certificate_state",
    "card_expiry",
    "signing_certificate_allowed",
    "reissue_fee",
    "is_year_end_break",
    "is_national_holiday",
    "is_counter_day",
    "counter_is_open",
    "next_counter_day",
    "identity_documents_sufficient",
    "is_official_photo_id",
]

TOKYO = ZoneInfo("Asia/Tokyo")

# 取扱時間: 月曜日~金曜日 午前9時~午後5時30分 (closing time itself is closed).
COUNTER_OPENS_AT = time(9, 0)
COUNTER_CLOSES_AT = time(17, 30)

# 有効期間: 発行の日後の5回目の誕生日 / 更新の日から6回目の誕生日.
CERTIFICATE_VALIDITY_BIRTHDAYS = 5
RENEWED_CERTIFICATE_VALIDITY_BIRTHDAYS = 6
# 電子証明書の更新は、有効期限終了の3ヵ月前から申請できます。
RENEWAL_WINDOW_MONTHS = 3

# Card validity (practice): 18 or older on the day of issue -> 10th birthday, else 5th.
ADULT_AGE = 18
CARD_VALIDITY_BIRTHDAYS_ADULT = 10
CARD_VALIDITY_BIRTHDAYS_MINOR = 5

# No 署名用電子証明書 under 15 (practice, neighbouring cities).
SIGNING_CERTIFICATE_MIN_AGE = 15

# 発行手数料 for certificates reissued with a lost/damaged card: 200 yen each,
# 200 yen in total when both are issued at the same time.
REISSUE_FEE_YEN = 200

# Search bound for next_counter_day: the longest closed stretch is a handful of
# days (year-end break plus a weekend), so a year is far more than enough.
_MAX_DAYS_SEARCHED = 366


# ---------------------------------------------------------------------------
# Birthdays and ages
# ---------------------------------------------------------------------------


def birthday_in_year(birth_date: date, year: int) -> date:
    """The birthday (誕生日) of someone born on ``birth_date`` in ``year``.

    29 February rule: in a common year the birthday is taken as **28 February**.
    This follows the civil-code treatment of periods (民法第143条第2項ただし書):
    a period that would end on a day missing from the last month ends on that
    month's last day. In leap years the birthday stays 29 February.
    """
    if birth_date.month == 2 and birth_date.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return birth_date.replace(year=year)


def nth_birthday_after(day: date, birth_date: date, n: int) -> date:
    """The ``n``-th birthday strictly after ``day`` (発行の日後のn回目の誕生日).

    A birthday falling ON ``day`` does not count (「発行の日後」: the day of issue
    itself is excluded). For a person born on 29 February, the birthday in a common
    year is 28 February (civil-code treatment of periods ending on a missing day,
    民法第143条第2項ただし書); when the target year is a leap year it stays
    29 February. See :func:`birthday_in_year`.

    Raises ``ValueError`` for ``n < 1`` or when ``day`` is before ``birth_date``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if day < birth_date:
        raise ValueError(f"day {day} is before the birth date {birth_date}")
    first_year = day.year if birthday_in_year(birth_date, day.year) > day else day.year + 1
    return birthday_in_year(birth_date, first_year + n - 1)


def age_on(birth_date: date, day: date) -> int:
    """Age in full years (満年齢) on ``day``.

    The age goes up on the birthday itself; a 29 February birthday counts as
    28 February in common years (the same rule as :func:`nth_birthday_after`).
    (Strictly, 年齢計算ニ関スル法律 and 民法第143条 make the age go up at the end of
    the day before the birthday; for whole-day decisions at the counter this system
    keeps one simple, consistent rule: the birthday as returned by
    :func:`birthday_in_year`.)

    Raises ``ValueError`` when ``day`` is before ``birth_date``.
    """
    if day < birth_date:
        raise ValueError(f"day {day} is before the birth date {birth_date}")
    age = day.year - birth_date.year
    if birthday_in_year(birth_date, day.year) > day:
        age -= 1
    return age


def add_months(day: date, months: int) -> date:
    """``day`` shifted by ``months`` calendar months, clamped to the month end.

    E.g. 2027-05-31 - 3 months = 2027-02-28.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


# ---------------------------------------------------------------------------
# Certificate validity and renewal
# ---------------------------------------------------------------------------


def certificate_expiry(
    *,
    issued_on: date,
    birth_date: date,
    renewed: bool = False,
    card_expires_on: date | None = None,
    user_certificate_expires_on: date | None = None,
) -> date:
    """Last day of validity (有効期限) of a 署名用 / 利用者証明用電子証明書.

    - new issuance (新規発行): the 5th birthday after ``issued_on``
      (発行の日後の5回目の誕生日; a birthday on the day of issue does not count);
    - ``renewed=True`` (更新, i.e. issued inside the renewal window of the
      certificate it replaces): the 6th birthday after the day of renewal;
    - capped by ``card_expires_on``: certificates never outlive the card
      (個人番号カードの有効期限が満了した場合は、電子証明書の有効期限も切れる);
    - capped by ``user_certificate_expires_on``: a signing certificate never
      outlives the user certificate (利用者証明用電子証明書の有効期限が満了すると、
      署名用電子証明書も同時に失効). Pass it only when computing a signing certificate.

    29 February birthdays: see :func:`nth_birthday_after`.
    """
    n = RENEWED_CERTIFICATE_VALIDITY_BIRTHDAYS if renewed else CERTIFICATE_VALIDITY_BIRTHDAYS
    expiry = nth_birthday_after(issued_on, birth_date, n)
    for cap in (card_expires_on, user_certificate_expires_on):
        if cap is not None and cap < expiry:
            expiry = cap
    return expiry


def renewal_window(expires_on: date) -> tuple[date, date]:
    """First and last day on which a certificate can be renewed (更新).

    「有効期限終了の3ヵ月前から申請できます」: the window opens on the day after the
    date 3 months before expiry (month arithmetic clamped to the month end) and
    closes on the expiry day itself. The city's booking guide: a certificate
    expiring on 17 August can be renewed from 18 May.
    """
    opens = add_months(expires_on, -RENEWAL_WINDOW_MONTHS) + timedelta(days=1)
    return opens, expires_on


def in_renewal_window(expires_on: date, day: date) -> bool:
    """Whether ``day`` falls inside :func:`renewal_window` of ``expires_on``."""
    opens, closes = renewal_window(expires_on)
    return opens <= day <= closes


def certificate_state(expires_on: date, day: date, *, soon_days: int = 90) -> str:
    """State of a certificate expiring on ``expires_on``, seen on ``day``.

    Returns one of:

    - ``"expired"`` (有効期限切れ): ``day`` is after ``expires_on``;
    - ``"renewal_window"`` (更新可能期間): ``day`` is inside :func:`renewal_window`;
    - ``"valid"`` (有効): otherwise.

    The certificate is still valid on ``expires_on`` itself. ``soon_days`` is kept
    for signature compatibility only; the renewal window (3 months, per the city's
    page) decides, not a day count.
    """
    del soon_days  # the 3-month window is the rule, see docstring
    if day > expires_on:
        return "expired"
    if in_renewal_window(expires_on, day):
        return "renewal_window"
    return "valid"


# ---------------------------------------------------------------------------
# Card validity and eligibility
# ---------------------------------------------------------------------------


def card_expiry(
    *,
    issued_on: date,
    birth_date: date,
    period_of_stay_ends_on: date | None = None,
) -> date:
    """Last day of validity of a 個人番号カード *(practice)*.

    - 18 or older on ``issued_on``: the 10th birthday after issue;
    - under 18: the 5th birthday after issue;
    - capped by ``period_of_stay_ends_on`` (在留期間の満了日) for foreign residents
      with a period of stay. Callers pass ``None`` for 永住者, 特別永住者,
      高度専門職2号 and Japanese nationals.

    Birthdays are counted as in :func:`nth_birthday_after`.
    """
    n = CARD_VALIDITY_BIRTHDAYS_ADULT if age_on(birth_date, issued_on) >= ADULT_AGE else CARD_VALIDITY_BIRTHDAYS_MINOR
    expiry = nth_birthday_after(issued_on, birth_date, n)
    if period_of_stay_ends_on is not None and period_of_stay_ends_on < expiry:
        expiry = period_of_stay_ends_on
    return expiry


def signing_certificate_allowed(*, birth_date: date, on: date, adult_ward: bool) -> bool:
    """Whether a 署名用電子証明書 may be issued on ``on`` *(practice)*.

    Not for a person under 15 on that day, nor for an adult ward (成年被後見人):
    they get the 利用者証明用電子証明書 only, applied for by the legal representative.
    """
    if adult_ward:
        return False
    return age_on(birth_date, on) >= SIGNING_CERTIFICATE_MIN_AGE


# ---------------------------------------------------------------------------
# Fees
# ---------------------------------------------------------------------------


def reissue_fee(*, signing: bool, user: bool) -> int:
    """Fee in yen (発行手数料) for certificates reissued with a card reissue.

    Applies only when the card was lost or damaged (紛失、毀損等) and certificates
    that lapsed with the old card are issued again together with the card's
    reissue: 200 yen for a 署名用, 200 yen for a 利用者証明用, **200 yen in total**
    when both are issued at the same time (同時に発行を受ける場合は併せて200円).
    Every other issuance, renewal or initialization is free (無料): callers simply
    don't call this. The card's own reissue fee is a separate matter.
    """
    return REISSUE_FEE_YEN if (signing or user) else 0


# ---------------------------------------------------------------------------
# Counter days and hours
# ---------------------------------------------------------------------------


@functools.cache
def _japan_holidays(year: int) -> holidays.HolidayBase:
    # holidays' Japan calendar has no data outside its supported range
    # (it returns no holidays there rather than raising).
    return holidays.country_holidays("JP", years=year, language="ja")


def is_year_end_break(day: date) -> bool:
    """Whether ``day`` is in the 年末年始 break (12月29日~1月3日)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_national_holiday(day: date) -> bool:
    """Whether ``day`` is a 祝日・休日 (national, substitute or 国民の休日),
    per the ``holidays`` library's Japan calendar."""
    return day in _japan_holidays(day.year)


def is_counter_day(day: date) -> bool:
    """Whether the counter (本庁市民課・各出張所) is open at all on ``day``.

    Open Monday to Friday. Closed Saturdays (土曜日の取扱いはありません), Sundays,
    祝日・休日 and the year-end break 12-29..01-03.
    """
    if day.weekday() >= 5:
        return False
    if is_year_end_break(day):
        return False
    return not is_national_holiday(day)


def counter_is_open(moment: datetime) -> bool:
    """Whether the counter is open at ``moment`` (an aware datetime).

    The moment is converted to Asia/Tokyo; open on a counter day
    (:func:`is_counter_day`) from 9:00 inclusive to 17:30 exclusive
    (午前9時~午後5時30分). Raises ``ValueError`` for a naive datetime.
    """
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("counter_is_open needs an aware datetime, got a naive one")
    local = moment.astimezone(TOKYO)
    if not is_counter_day(local.date()):
        return False
    return COUNTER_OPENS_AT <= local.time().replace(tzinfo=None) < COUNTER_CLOSES_AT


def next_counter_day(day: date) -> date:
    """The first counter day on or after ``day`` (see :func:`is_counter_day`)."""
    candidate = day
    for _ in range(_MAX_DAYS_SEARCHED):
        if is_counter_day(candidate):
            return candidate
        candidate += timedelta(days=1)
    raise ValueError(f"no counter day within {_MAX_DAYS_SEARCHED} days of {day}")


# ---------------------------------------------------------------------------
# Identity documents (本人確認書類) *(practice)*
# ---------------------------------------------------------------------------

# Group A: one is enough. Official photo ID issued by a public office
# (官公署発行の顔写真付き本人確認書類).
GROUP_A: tuple[str, ...] = (
    "mynumber_card",  # 個人番号カード
    "driving_licence",  # 運転免許証
    "passport",  # 旅券
    "residence_card",  # 在留カード
    "special_permanent_resident_certificate",  # 特別永住者証明書
    "disability_certificate_photo",  # 写真付き身体障害者手帳等
    "driving_history_certificate",  # 運転経歴証明書
)

# Group B-1: health-insurance card / 資格確認書, pension book, care-insurance card.
GROUP_B1: tuple[str, ...] = (
    "health_insurance_card",  # 健康保険証・資格確認書
    "pension_book",  # 年金手帳
    "care_insurance_card",  # 介護保険被保険者証
)

# Group B-2: student ID, employee ID, bank card, patient card.
GROUP_B2: tuple[str, ...] = (
    "student_id",  # 学生証
    "employee_id",  # 社員証
    "bank_card",  # キャッシュカード・預金通帳
    "patient_card",  # 診察券
)


def is_official_photo_id(kind: str) -> bool:
    """Whether ``kind`` is an official photo ID (group A).

    This is what the proxy's second visit requires (免許証、パスポートなど、
    顔写真付の官公庁が発行したもの).
    """
    return kind in GROUP_A


def identity_documents_sufficient(kinds: Iterable[str]) -> bool:
    """Whether the documents shown are enough to verify identity *(practice)*.

    Each element of ``kinds`` is one document shown. Accepted: one group A
    document; or two group B documents of which at least one is B-1
    (B-1 + B-1, or B-1 + B-2). Two B-2 documents are not enough. Unknown kinds
    count for nothing.
    """
    shown = list(kinds)
    if any(kind in GROUP_A for kind in shown):
        return True
    b1 = sum(1 for kind in shown if kind in GROUP_B1)
    return b1 >= 2 or (b1 >= 1 and any(kind in GROUP_B2 for kind in shown))


# ---------------------------------------------------------------------------
# Password rules, printed on letters (the system never handles passwords)
# ---------------------------------------------------------------------------

SIGNING_CERTIFICATE_PASSWORD_RULE = (
    "署名用電子証明書のパスワード: 6文字以上16文字以内の英数字で設定してください。"
    "英字と数字をそれぞれ1文字以上含めてください(数字のみ、英字のみの設定はできません)。"
    "英字の大文字・小文字の区別はありません。"
    "できるだけ8文字以上とし、ご自分やご家族の氏名、生年月日や電話番号など、"
    "他人に推測されるようなものは避けてください。"
    "5回続けて間違えるとロックされます。"
)

USER_CERTIFICATE_PASSWORD_RULE = (
    "利用者証明用電子証明書のパスワード: 4桁の数字で設定してください。3回続けて間違えるとロックされます。"
)


# ---------------------------------------------------------------------------
# Guard: every public rule answers or raises ValueError / TypeError
# ---------------------------------------------------------------------------


def _checked(fn):
    """Turn calendar overflow into ValueError and a wrong argument type into TypeError, so callers
    (forms, services) have exactly two exceptions to map onto a message."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except OverflowError as exc:
            raise ValueError(f"{fn.__name__}: date out of range ({exc})") from exc
        except AttributeError as exc:
            raise TypeError(f"{fn.__name__}: wrong argument type ({exc})") from exc

    return wrapper


for _name in __all__:
    if inspect.isfunction(globals()[_name]):
        globals()[_name] = _checked(globals()[_name])
del _name
