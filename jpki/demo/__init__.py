"""The demo city (デモ用の吹田市): believable offices, staff, residents, cards, certificates and
counter applications, for trying the system out and for load tests.

``manage.py demo_city`` builds about 300 residents; ``--residents 400000`` builds a city of
Suita's size (about 300,000 cards, 550,000 certificates and 50,000 applications) in a few
minutes. Everything is written with ``simple_history.utils.bulk_create_with_history``: the
history row of each object *is* the record of its creation, by the system user ``demo`` with the
change reason ``デモデータ作成``. Nothing is deleted, and nothing is updated except the address of
a resident who moved within the city (``bulk_update_with_history``).

The register's history tells the truth about the simulated time: a resident's history row of
creation is dated at their birth or arrival (at the earliest 2002-08-05), with the address they
had then; a move within the city is a history row of change dated at the move (when the signing
certificate was revoked, 基本4情報の変更). Every certificate records its simulated moment of issue
(``created_at``) and carries the register's name and address at that moment, so the review queue's
kana overrides (``jpki.review``) list only the deliberate ones below.

Data
----
- Offices: 本庁市民課 and branch offices (出張所) with believable names; the branch addresses are
  given only to the 丁目 where not known exactly. Demo data, not the city's directory.
- Residents: common Japanese surnames and given names (by generation) with their katakana
  readings; some rare characters outside JIS X 0208/0212 (髙, 﨑, 𠮷, 德, 瀨, 栁) and some
  that are inside them (邊, 邉, 齋, 濵); foreign residents with 在留資格 and period of stay
  (永住者, 特別永住者 with 通称, ...); a few adult wards (成年被後見人); mostly registered, some
  moved out (転出, 国外転出), deceased or removed. Addresses are real 吹田市 town names with their
  postal codes (Japan Post's where known; a few are plausible stand-ins).
- Cards: My Number cards from 2016 on, a few legacy 住基カード, dates from
  :func:`jpki.rules.card_expiry`, in every status; at most one active/suspended card per resident.
- Certificates: from :func:`jpki.rules.certificate_expiry` (renewals inside the window get the 6th
  birthday; capped by the card and, for the signing certificate, by the user certificate), with
  renewals, lapses, revocations (基本4情報の変更, カード紛失, 転出, ...) and the resulting
  statuses as of today; some are in their renewal window now.
- Applications of every kind and applicant type over the last months and today, received by a
  clerk at an office, with identity documents (last 4 characters only) and, for appointed
  proxies, a ProxyAuthorization at every stage.

Scenario people
---------------
The residents of ``SCENARIOS.md`` come first, in the order of :data:`SCENARIO_RESIDENTS` (in a
fresh database their ids are 1, 2, ...). Their names and kana are unique in the demo city (the
random generator never produces them), so tests can find them by kana. They are created only
when the database has no residents yet (not with ``--append``).

==  ==================  ==============================================================
 1  山田花子 ヤマダ ハナコ   1985-06-01; card 2024-06-10 (expires 2034-06-01), no certificate
 2  鈴木キヨ スズキ キヨ     1940-02-29; card 2023-03-15 (expires 2033-02-28), no certificate
 3  鈴木一郎 スズキ イチロウ  her son (the proxy), same address; card and both certificates
 4  高橋次郎 タカハシ ジロウ  泉町; both certificates valid (to 2027-03-21)
 5  佐藤美咲 サトウ ミサキ    card suspended (reported lost), signing revoked, user valid
 6  伊藤健 イトウ ケン       1980-08-17; both certificates expire 2027-08-17
 7  渡辺ゆい ワタナベ ユイ    2014-04-10 (12); card 2025-07-01, no certificate
 8  渡辺直美 ワタナベ ナオミ  her mother (法定代理人), same address; card and certificates
 9  中村正男 ナカムラ マサオ  adult ward (成年被後見人); card, user certificate only
10  髙橋幸子 タカハシ サチコ  髙 = U+9AD9; certificate name 高橋　幸子, position 0 substituted
==  ==================  ==============================================================

After them, the genuine kana overrides (:data:`KANA_OVERRIDE_RESIDENTS`): a character without a
代替文字 in the name, certificates issued at the counter in the last months with the name the clerk
typed (kana for that part, no substituted position). They are the review queue's only items of
「かなで入力した証明書の氏名・住所」.

==  ==================  ==============================================================
11  山𥔎和夫 ヤマサキ カズオ  𥔎 = U+2550E; certificate name 山サキ　和夫 (23 days ago)
12  藤原𠀋二 フジワラ ジョウジ 𠀋 = U+2000B; certificate name 藤原　ジョウ二 (61 days ago)
13  𥔎田里美 サキタ サトミ    certificate name サキ田　里美 (104 days ago)
==  ==================  ==============================================================
"""

from .city import CityBuilder, build_city
from .common import (
    CHANGE_REASON,
    DEFAULT_BATCH_SIZE,
    DEFAULT_RESIDENTS,
    DEMO_USERNAME,
    KANA_OVERRIDE_RESIDENTS,
    SCENARIO_RESIDENTS,
    TOKYO,
    RefusedError,
)

__all__ = [
    "CHANGE_REASON",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_RESIDENTS",
    "DEMO_USERNAME",
    "KANA_OVERRIDE_RESIDENTS",
    "SCENARIO_RESIDENTS",
    "TOKYO",
    "CityBuilder",
    "RefusedError",
    "build_city",
]
