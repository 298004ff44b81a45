"""What the parts of the demo city share: offices, clerks, towns, names, scenario people, the
chunk and person records, and the services' wording of reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from jpki import rules
from jpki import services as _services  # the services' wording, so that demo rows read like real ones
from jpki.models import (
    Application,
    Card,
    Certificate,
    IdentityDocument,
    ProxyAuthorization,
)
from residents.models import Resident

from .names import FALLBACK_SUBSTITUTES, TOWNS

REASON_RENEWAL = getattr(_services, "REASON_RENEWAL", "更新による失効")
REASON_LOSS = getattr(_services, "REASON_LOSS", "カード紛失による一時停止")
REASON_CARD_REISSUE = getattr(_services, "REASON_CARD_REISSUE", "カード再交付による失効")
REASON_BASIC_INFO_CHANGE = getattr(_services, "REASON_BASIC_INFO_CHANGE", "基本4情報の変更")
REASON_REQUESTED = "本人からの失効申請"
REASON_CARD_RENEWED = "カードの更新（返納）による失効"
REASON_DEPARTURE = {
    str(k): v
    for k, v in getattr(
        _services,
        "REASON_DEPARTURE",
        {"moved_out": "転出", "moved_abroad": "国外転出", "deceased": "死亡", "removed": "職権消除"},
    ).items()
}

CHANGE_REASON = "デモデータ作成"
DEMO_USERNAME = "demo"
SERIAL_PREFIX = "DM"  # demo certificate serials: DM + 14 digits
DEFAULT_RESIDENTS = 300
DEFAULT_BATCH_SIZE = 5000
APPLICATION_WINDOW_DAYS = 200  # applications are recorded for events in the last ~6 months

MYNUMBER_CARD_START = date(2016, 1, 4)  # first My Number cards
JUKI_CERTIFICATE_END = date(2015, 12, 22)  # no issuance onto a 住基カード after this
TOKYO = rules.TOKYO

# --------------------------------------------------------------------------------------------
# Offices and staff
# --------------------------------------------------------------------------------------------

# code, name, kind, postal code, address, phone, share of the counter work (weight)
OFFICES = (
    ("honcho", "本庁市民課", "main", "564-8550", "大阪府吹田市泉町1丁目3番40号", "06-6384-1231", 30),
    ("senriyama", "千里山出張所", "branch", "565-0842", "大阪府吹田市千里山東1丁目", "", 10),
    ("yamada", "山田出張所", "branch", "565-0824", "大阪府吹田市山田西1丁目", "", 11),
    ("minamisenri", "南千里出張所", "branch", "565-0862", "大阪府吹田市津雲台1丁目2番1号", "", 12),
    ("senrioka", "千里丘出張所", "branch", "565-0811", "大阪府吹田市千里丘上", "", 8),
    ("esaka", "江坂出張所", "branch", "564-0063", "大阪府吹田市江坂町1丁目", "", 11),
    ("toyotsu", "豊津出張所", "branch", "564-0051", "大阪府吹田市豊津町", "", 6),
    ("kishibe", "岸部出張所", "branch", "564-0011", "大阪府吹田市岸部北1丁目", "", 7),
)
MAIN_OFFICE_CODE = "honcho"

# username, last name, first name, office code. Unusable passwords: real logins come from
# ``manage.py create_login``.
CLERKS = (
    ("clerk01", "吉村", "真理", "honcho"),
    ("clerk02", "松田", "浩二", "honcho"),
    ("clerk03", "岡本", "沙織", "senriyama"),
    ("clerk04", "西川", "大輝", "yamada"),
    ("clerk05", "藤原", "奈々", "minamisenri"),
    ("clerk06", "村上", "俊介", "senrioka"),
    ("clerk07", "三宅", "裕美", "esaka"),
    ("clerk08", "北村", "達也", "toyotsu"),
    ("clerk09", "坂本", "千尋", "kishibe"),
)

PROXY_RELATIONS = (("子", 40), ("配偶者", 25), ("親", 10), ("兄弟姉妹", 10), ("孫", 8), ("知人", 7))
RETURN_REASONS = ("あて所に尋ねあたりません", "転居先不明", "保管期間経過", "受取拒否")

# --------------------------------------------------------------------------------------------
# Scenario people (SCENARIOS.md), in this order, before any random resident.
# --------------------------------------------------------------------------------------------
SCENARIO_RESIDENTS = (
    # key, name, kana, sex, birth date, town, block, building
    (
        "hanako",
        "山田　花子",
        "ヤマダ　ハナコ",
        "female",
        date(1985, 6, 1),
        "千里山西",
        "2丁目5番12号",
        "サンハイツ千里山 203号室",
    ),
    ("kiyo", "鈴木　キヨ", "スズキ　キヨ", "female", date(1940, 2, 29), "千里山東", "3丁目14番7号", ""),
    ("ichiro", "鈴木　一郎", "スズキ　イチロウ", "male", date(1966, 9, 12), "千里山東", "3丁目14番7号", ""),
    (
        "jiro",
        "高橋　次郎",
        "タカハシ　ジロウ",
        "male",
        date(1978, 3, 21),
        "泉町",
        "3丁目18番1号",
        "グランフォーレ吹田 502号室",
    ),
    (
        "misaki",
        "佐藤　美咲",
        "サトウ　ミサキ",
        "female",
        date(1992, 11, 3),
        "江坂町",
        "2丁目9番20号",
        "エスリード江坂 1104号室",
    ),
    ("ken", "伊藤　健", "イトウ　ケン", "male", date(1980, 8, 17), "山田東", "2丁目6番3号", ""),
    (
        "yui",
        "渡辺　ゆい",
        "ワタナベ　ユイ",
        "female",
        date(2014, 4, 10),
        "津雲台",
        "5丁目3番1号",
        "千里津雲台団地 C12棟 304号室",
    ),
    (
        "naomi",
        "渡辺　直美",
        "ワタナベ　ナオミ",
        "female",
        date(1983, 7, 25),
        "津雲台",
        "5丁目3番1号",
        "千里津雲台団地 C12棟 304号室",
    ),
    ("masao", "中村　正男", "ナカムラ　マサオ", "male", date(1946, 1, 30), "佐竹台", "4丁目2番8号", ""),
    ("sachiko", "髙橋　幸子", "タカハシ　サチコ", "female", date(1971, 12, 8), "岸部北", "1丁目20番5号", ""),
)
# Genuine kana overrides (the review queue's 「かなで入力した証明書の氏名・住所」): residents whose name has a
# character outside the certificate's set with no 代替文字, so the clerk typed the certificate name with
# the kana reading for that part (DOMAIN.md). Created after the scenario people, in this order, each
# with certificates issued at the counter in the last months; nobody else in the demo city is one.
# key, name, kana, sex, birth date, town, block, building, certificate name typed by the clerk,
# days before today of the issuance
KANA_OVERRIDE_RESIDENTS = (
    (
        "kazuo",
        "山\U0002550e　和夫",
        "ヤマサキ　カズオ",
        "male",
        date(1958, 4, 2),
        "泉町",
        "2丁目8番15号",
        "",
        "山サキ　和夫",
        23,
    ),
    (
        "joji",
        "藤原　\U0002000b二",
        "フジワラ　ジョウジ",
        "male",
        date(1972, 10, 19),
        "内本町",
        "1丁目4番9号",
        "",
        "藤原　ジョウ二",
        61,
    ),
    (
        "satomi",
        "\U0002550e田　里美",
        "サキタ　サトミ",
        "female",
        date(1989, 1, 27),
        "片山町",
        "3丁目11番6号",
        "",
        "サキ田　里美",
        104,
    ),
)
SCENARIO_KANA = frozenset(row[2] for row in SCENARIO_RESIDENTS + KANA_OVERRIDE_RESIDENTS)
# The register's history starts at a resident's birth or arrival, at the earliest when the
# basic resident register network started (before any card of the demo city).
REGISTER_HISTORY_START = date(2002, 8, 5)

_TOWN_BY_NAME = {row[0]: row for row in TOWNS}

# --------------------------------------------------------------------------------------------
# Certificate text (代替文字)
# --------------------------------------------------------------------------------------------


def _fallback_substitute(text: str) -> tuple[str, list[int]]:
    out, positions = [], []
    for i, ch in enumerate(text):
        try:
            ch.encode("iso2022_jp_1")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(FALLBACK_SUBSTITUTES.get(ch, "〓"))
            positions.append(i)
    return "".join(out), positions


def _positions(raw) -> list[int]:
    result = []
    for item in raw or ():
        if isinstance(item, int):
            result.append(item)
        elif isinstance(item, (tuple, list)) and item and isinstance(item[0], int):
            result.append(item[0])
        elif isinstance(item, dict):
            value = item.get("position", item.get("index"))
            if isinstance(value, int):
                result.append(value)
    return result


def certificate_text(text: str, _cache: dict = {}) -> tuple[str, list[int]]:  # noqa: B006 - memo
    """The text as written into a certificate and the substituted positions.

    Text that ``iso2022_jp_1`` encodes (JIS X 0208 + JIS X 0212) goes in unchanged. Otherwise
    ``residents.charset.substitute_characters_detailed`` decides when it exists (it may be
    landing in parallel), else the small fallback table here. Memoized per distinct text.
    """
    try:
        text.encode("iso2022_jp_1")
        return text, []
    except UnicodeEncodeError:
        pass
    if text in _cache:
        return _cache[text]
    result = None
    try:
        from residents import charset  # noqa: PLC0415 - optional, may not exist yet

        detailed = getattr(charset, "substitute_characters_detailed", None)
        if detailed is not None:
            raw = detailed(text)
            if isinstance(raw, (tuple, list)) and len(raw) == 2 and isinstance(raw[0], str):
                result = (raw[0], _positions(raw[1]))
            elif isinstance(raw, dict) and isinstance(raw.get("text"), str):
                result = (raw["text"], _positions(raw.get("positions")))
            else:
                for text_attr in ("text", "result", "substituted"):
                    value = getattr(raw, text_attr, None)
                    if isinstance(value, str):
                        pos = getattr(raw, "positions", None) or getattr(raw, "substituted_positions", None)
                        result = (value, _positions(pos))
                        break
    except Exception:  # noqa: BLE001 - ImportError, ValidationError, a changed signature: fall back
        result = None
    if result is None:
        result = _fallback_substitute(text)
    _cache[text] = result
    return result


# --------------------------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------------------------


@dataclass
class _Chunk:
    residents: list = field(default_factory=list)
    cards: list = field(default_factory=list)
    apps: list = field(default_factory=list)
    certs: list = field(default_factory=list)
    proxies: list = field(default_factory=list)
    docs: list = field(default_factory=list)
    active: list = field(default_factory=list)  # (person, card, user cert, signing cert) of active cards
    people: list = field(default_factory=list)  # the random residents' _Person records
    moves: list = field(default_factory=list)  # the _Person records of residents who moved within the city


@dataclass
class _Person:
    """What the card/certificate generator needs to know about a resident."""

    res: Resident
    birth: date
    birth_ord: int
    ward: bool
    stay_cap: date | None  # period of stay that ends the card, or None
    status: str
    gone_ord: int | None  # status_changed_on as ordinal for non-registered residents
    office: str  # nearest office code
    address: str
    arrival_ord: int  # first day the person could have got a card here
    cert_start: int = 0  # index in the chunk's certificates of this person's first one
    # a move within the city: (moment, the register's address parts before it (postal code, town,
    # block, building), the full address before it); the register has the new one after it
    move: tuple | None = None


# Upper bounds of rows per resident, for the id ranges of the SQLite staging copies.
_IDS_PER_RESIDENT = {
    "residents": 1,
    "cards": 8,
    "applications": 8,
    "certificates": 32,
    "proxy_authorizations": 4,
    "identity_documents": 24,
}
_MODELS = (
    ("residents", Resident),
    ("cards", Card),
    ("applications", Application),
    ("certificates", Certificate),
    ("proxy_authorizations", ProxyAuthorization),
    ("identity_documents", IdentityDocument),
)


def _max_id(model, column: str | None = None) -> int:
    from django.db.models import Max

    field_name = column or model._meta.pk.attname
    return model._default_manager.aggregate(m=Max(field_name))["m"] or 0


class RefusedError(Exception):
    """The database already has residents and --append was not given."""
