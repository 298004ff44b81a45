"""The demo city (デモ用の吹田市): believable offices, staff, residents, cards, certificates and
counter applications, for trying the system out and for load tests.

``manage.py demo_city`` builds about 300 residents; ``--residents 400000`` builds a city of
Suita's size (about 300,000 cards, 550,000 certificates and 50,000 applications) in a few
minutes. Everything is written with ``simple_history.utils.bulk_create_with_history``: the
history row of each object *is* the record of its creation, by the system user ``demo`` with the
change reason ``デモデータ作成``. Nothing is ever updated or deleted here.

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
"""
from __future__ import annotations

import bisect
import os
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from jpki import rules
from jpki.models import (
    Application,
    Card,
    Certificate,
    IdentityDocument,
    Office,
    ProxyAuthorization,
    StaffProfile,
)
from residents.models import Resident

try:  # the services' wording, so that demo rows read like real ones
    from jpki import services as _services
except Exception:  # noqa: BLE001 - the demo must still build while services are being changed
    _services = None

REASON_RENEWAL = getattr(_services, "REASON_RENEWAL", "更新による失効")
REASON_LOSS = getattr(_services, "REASON_LOSS", "カード紛失による一時停止")
REASON_CARD_REISSUE = getattr(_services, "REASON_CARD_REISSUE", "カード再交付による失効")
REASON_BASIC_INFO_CHANGE = getattr(_services, "REASON_BASIC_INFO_CHANGE", "基本4情報の変更")
REASON_REQUESTED = "本人からの失効申請"
REASON_CARD_RENEWED = "カードの更新（返納）による失効"
REASON_DEPARTURE = {
    str(k): v
    for k, v in getattr(
        _services, "REASON_DEPARTURE",
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

# --------------------------------------------------------------------------------------------
# Towns of 吹田市: town, postal code, highest 丁目 (0: no 丁目), weight, nearest office,
# short area name for building names, "nt" for the 千里ニュータウン estates.
# --------------------------------------------------------------------------------------------
CITY_PREFIX = "大阪府吹田市"
TOWNS = (
    ("泉町", "564-0041", 5, 4, "honcho", "吹田", ""),
    ("内本町", "564-0032", 3, 3, "honcho", "吹田", ""),
    ("元町", "564-0031", 0, 2, "honcho", "吹田", ""),
    ("朝日町", "564-0027", 0, 2, "honcho", "吹田", ""),
    ("高城町", "564-0024", 0, 1, "honcho", "吹田", ""),
    ("片山町", "564-0082", 4, 4, "honcho", "片山", ""),
    ("穂波町", "564-0042", 0, 1, "honcho", "吹田", ""),
    ("南吹田", "564-0043", 5, 4, "esaka", "南吹田", ""),
    ("江坂町", "564-0063", 5, 5, "esaka", "江坂", ""),
    ("垂水町", "564-0062", 3, 4, "esaka", "江坂", ""),
    ("円山町", "564-0061", 0, 1, "esaka", "江坂", ""),
    ("豊津町", "564-0051", 0, 4, "toyotsu", "豊津", ""),
    ("岸部北", "564-0011", 5, 3, "kishibe", "岸部", ""),
    ("岸部南", "564-0010", 3, 3, "kishibe", "岸部", ""),
    ("千里山西", "565-0851", 6, 5, "senriyama", "千里山", ""),
    ("千里山東", "565-0842", 4, 5, "senriyama", "千里山", ""),
    ("千里山竹園", "565-0852", 2, 2, "senriyama", "千里山", ""),
    ("春日", "565-0853", 4, 2, "senriyama", "千里山", ""),
    ("佐井寺", "565-0836", 4, 3, "senriyama", "佐井寺", ""),
    ("五月が丘北", "565-0833", 0, 2, "senriyama", "五月が丘", ""),
    ("山田東", "565-0821", 4, 4, "yamada", "山田", ""),
    ("山田西", "565-0824", 4, 4, "yamada", "山田", ""),
    ("山田南", "565-0823", 0, 3, "yamada", "山田", ""),
    ("山田北", "565-0825", 0, 2, "yamada", "山田", ""),
    ("古江台", "565-0874", 6, 3, "yamada", "北千里", "nt"),
    ("藤白台", "565-0873", 5, 3, "yamada", "北千里", "nt"),
    ("青山台", "565-0875", 4, 3, "yamada", "北千里", "nt"),
    ("佐竹台", "565-0855", 6, 3, "minamisenri", "南千里", "nt"),
    ("高野台", "565-0861", 5, 3, "minamisenri", "南千里", "nt"),
    ("津雲台", "565-0862", 7, 4, "minamisenri", "南千里", "nt"),
    ("竹見台", "565-0863", 4, 3, "minamisenri", "南千里", "nt"),
    ("桃山台", "565-0854", 5, 3, "minamisenri", "桃山台", "nt"),
    ("千里丘上", "565-0811", 0, 2, "senrioka", "千里丘", ""),
    ("千里丘北", "565-0815", 0, 2, "senrioka", "千里丘", ""),
    ("千里丘西", "565-0814", 0, 2, "senrioka", "千里丘", ""),
    ("長野東", "565-0817", 0, 1, "senrioka", "千里丘", ""),
)

BUILDING_STEMS = (
    "メゾン", "グランドメゾン", "サンハイツ", "ロイヤルコーポ", "パークハウス", "ライオンズマンション",
    "コスモ", "エスリード", "プレサンス", "シャトー", "ベルメゾン", "アーバンライフ", "コーポ",
    "グランフォーレ", "ジオ", "ローレルコート",
)

# --------------------------------------------------------------------------------------------
# Names. (kanji, katakana, weight)
# --------------------------------------------------------------------------------------------
SURNAMES = (
    ("佐藤", "サトウ", 18), ("鈴木", "スズキ", 15), ("高橋", "タカハシ", 14), ("田中", "タナカ", 17),
    ("伊藤", "イトウ", 10), ("渡辺", "ワタナベ", 10), ("山本", "ヤマモト", 15), ("中村", "ナカムラ", 13),
    ("小林", "コバヤシ", 9), ("加藤", "カトウ", 8), ("吉田", "ヨシダ", 10), ("山田", "ヤマダ", 9),
    ("佐々木", "ササキ", 6), ("山口", "ヤマグチ", 7), ("松本", "マツモト", 9), ("井上", "イノウエ", 9),
    ("木村", "キムラ", 8), ("林", "ハヤシ", 6), ("斎藤", "サイトウ", 5), ("清水", "シミズ", 6),
    ("山崎", "ヤマザキ", 6), ("森", "モリ", 6), ("池田", "イケダ", 6), ("橋本", "ハシモト", 7),
    ("阿部", "アベ", 4), ("石川", "イシカワ", 5), ("山下", "ヤマシタ", 6), ("中島", "ナカジマ", 5),
    ("石井", "イシイ", 4), ("小川", "オガワ", 5), ("前田", "マエダ", 7), ("岡田", "オカダ", 7),
    ("長谷川", "ハセガワ", 4), ("藤田", "フジタ", 6), ("後藤", "ゴトウ", 4), ("近藤", "コンドウ", 4),
    ("村上", "ムラカミ", 5), ("遠藤", "エンドウ", 3), ("青木", "アオキ", 4), ("坂本", "サカモト", 5),
    ("斉藤", "サイトウ", 3), ("福田", "フクダ", 4), ("太田", "オオタ", 4), ("西村", "ニシムラ", 6),
    ("藤井", "フジイ", 6), ("金子", "カネコ", 3), ("岡本", "オカモト", 6), ("藤原", "フジワラ", 5),
    ("中野", "ナカノ", 4), ("三浦", "ミウラ", 3), ("原田", "ハラダ", 4), ("中川", "ナカガワ", 5),
    ("松田", "マツダ", 5), ("竹内", "タケウチ", 3), ("小野", "オノ", 4), ("田村", "タムラ", 4),
    ("中山", "ナカヤマ", 4), ("和田", "ワダ", 4), ("石田", "イシダ", 4), ("森田", "モリタ", 4),
    ("上田", "ウエダ", 6), ("原", "ハラ", 3), ("内田", "ウチダ", 3), ("柴田", "シバタ", 3),
    ("酒井", "サカイ", 3), ("宮崎", "ミヤザキ", 3), ("横山", "ヨコヤマ", 3), ("高木", "タカギ", 3),
    ("安藤", "アンドウ", 3), ("宮本", "ミヤモト", 5), ("大野", "オオノ", 3), ("小島", "コジマ", 3),
    ("谷口", "タニグチ", 5), ("今井", "イマイ", 3), ("工藤", "クドウ", 2), ("高田", "タカダ", 4),
    ("増田", "マスダ", 3), ("丸山", "マルヤマ", 2), ("杉山", "スギヤマ", 2), ("村田", "ムラタ", 4),
    ("大塚", "オオツカ", 2), ("新井", "アライ", 2), ("小山", "コヤマ", 3), ("平野", "ヒラノ", 4),
    ("辻", "ツジ", 4), ("北村", "キタムラ", 4), ("吉川", "ヨシカワ", 3), ("西田", "ニシダ", 4),
    ("松井", "マツイ", 4), ("東", "ヒガシ", 3), ("浅野", "アサノ", 2), ("大西", "オオニシ", 4),
    ("奥田", "オクダ", 3), ("堀", "ホリ", 2), ("寺田", "テラダ", 3), ("吉村", "ヨシムラ", 3),
    ("岸本", "キシモト", 3), ("阪本", "サカモト", 2), ("植田", "ウエダ", 2), ("三宅", "ミヤケ", 2),
    # in JIS X 0208 / 0212 (written as they are in a certificate)
    ("渡邊", "ワタナベ", 1), ("渡邉", "ワタナベ", 1), ("齋藤", "サイトウ", 1), ("濵田", "ハマダ", 1),
)
# Characters a certificate cannot hold (outside JIS X 0208 + JIS X 0212): 代替文字 needed.
RARE_SURNAMES = (
    ("髙橋", "タカハシ", 4), ("髙田", "タカダ", 2), ("山﨑", "ヤマザキ", 3), ("﨑山", "サキヤマ", 1),
    ("宮﨑", "ミヤザキ", 1), ("𠮷田", "ヨシダ", 3), ("𠮷川", "ヨシカワ", 1), ("德永", "トクナガ", 1),
    ("柳瀨", "ヤナセ", 1), ("栁田", "ヤナギダ", 1),
)
# Fallback substitutes (the real table is residents.CharacterSubstitution / residents.charset).
FALLBACK_SUBSTITUTES = {"髙": "高", "﨑": "崎", "𠮷": "吉", "德": "徳", "瀨": "瀬", "栁": "柳"}

# Given names by generation: (kanji, kana)
GIVEN_NAMES = {
    # born up to 1955
    ("male", 0): (
        ("清", "キヨシ"), ("茂", "シゲル"), ("勇", "イサム"), ("正", "タダシ"), ("博", "ヒロシ"),
        ("実", "ミノル"), ("進", "ススム"), ("昭", "アキラ"), ("武", "タケシ"), ("修", "オサム"),
        ("豊", "ユタカ"), ("勝", "マサル"), ("隆", "タカシ"), ("正男", "マサオ"), ("和夫", "カズオ"),
        ("義雄", "ヨシオ"), ("三郎", "サブロウ"), ("秀夫", "ヒデオ"), ("光男", "ミツオ"), ("稔", "ミノル"),
    ),
    ("female", 0): (
        ("幸子", "サチコ"), ("和子", "カズコ"), ("節子", "セツコ"), ("洋子", "ヨウコ"), ("恵子", "ケイコ"),
        ("京子", "キョウコ"), ("久子", "ヒサコ"), ("美智子", "ミチコ"), ("弘子", "ヒロコ"), ("文子", "フミコ"),
        ("清子", "キヨコ"), ("照子", "テルコ"), ("静子", "シズコ"), ("登美子", "トミコ"), ("千代子", "チヨコ"),
        ("信子", "ノブコ"), ("悦子", "エツコ"), ("昭子", "アキコ"), ("君子", "キミコ"), ("トシ", "トシ"),
    ),
    # 1956-1985
    ("male", 1): (
        ("誠", "マコト"), ("浩", "ヒロシ"), ("健一", "ケンイチ"), ("大輔", "ダイスケ"), ("哲也", "テツヤ"),
        ("直樹", "ナオキ"), ("剛", "ツヨシ"), ("達也", "タツヤ"), ("和也", "カズヤ"), ("浩二", "コウジ"),
        ("英樹", "ヒデキ"), ("隆之", "タカユキ"), ("聡", "サトシ"), ("学", "マナブ"), ("淳", "ジュン"),
        ("拓也", "タクヤ"), ("洋平", "ヨウヘイ"), ("修一", "シュウイチ"), ("雅之", "マサユキ"), ("康弘", "ヤスヒロ"),
    ),
    ("female", 1): (
        ("恵美", "エミ"), ("由美", "ユミ"), ("智子", "トモコ"), ("美穂", "ミホ"), ("裕子", "ユウコ"),
        ("真由美", "マユミ"), ("久美子", "クミコ"), ("明美", "アケミ"), ("直美", "ナオミ"), ("陽子", "ヨウコ"),
        ("典子", "ノリコ"), ("香織", "カオリ"), ("綾", "アヤ"), ("麻衣", "マイ"), ("恵", "メグミ"),
        ("純子", "ジュンコ"), ("理恵", "リエ"), ("美香", "ミカ"), ("由紀", "ユキ"), ("紀子", "ノリコ"),
    ),
    # 1986-2005
    ("male", 2): (
        ("翔太", "ショウタ"), ("大輝", "ダイキ"), ("拓海", "タクミ"), ("翔", "ショウ"), ("健太", "ケンタ"),
        ("大樹", "ダイキ"), ("亮", "リョウ"), ("悠斗", "ユウト"), ("颯太", "ソウタ"), ("陸", "リク"),
        ("海斗", "カイト"), ("優斗", "ユウト"), ("蓮", "レン"), ("駿", "シュン"), ("直人", "ナオト"),
        ("雄大", "ユウダイ"), ("一輝", "カズキ"), ("涼介", "リョウスケ"), ("大地", "ダイチ"), ("匠", "タクミ"),
    ),
    ("female", 2): (
        ("美咲", "ミサキ"), ("彩", "アヤ"), ("愛", "アイ"), ("葵", "アオイ"), ("七海", "ナナミ"),
        ("沙織", "サオリ"), ("陽菜", "ヒナ"), ("結衣", "ユイ"), ("さくら", "サクラ"), ("萌", "モエ"),
        ("優花", "ユウカ"), ("菜々子", "ナナコ"), ("舞", "マイ"), ("遥", "ハルカ"), ("真由", "マユ"),
        ("彩花", "アヤカ"), ("千尋", "チヒロ"), ("奈々", "ナナ"), ("美月", "ミヅキ"), ("桃子", "モモコ"),
    ),
    # 2006 and later
    ("male", 3): (
        ("陽翔", "ハルト"), ("蓮", "レン"), ("湊", "ミナト"), ("大翔", "ヒロト"), ("悠真", "ユウマ"),
        ("樹", "イツキ"), ("颯", "ハヤテ"), ("蒼", "アオイ"), ("陽太", "ヒナタ"), ("朝陽", "アサヒ"),
        ("律", "リツ"), ("悠人", "ユウト"), ("碧", "アオイ"), ("奏太", "ソウタ"), ("大和", "ヤマト"),
        ("湊斗", "ミナト"), ("結翔", "ユイト"), ("蒼空", "ソラ"), ("新", "アラタ"), ("暖", "ダン"),
    ),
    ("female", 3): (
        ("陽葵", "ヒマリ"), ("凛", "リン"), ("結菜", "ユイナ"), ("芽依", "メイ"), ("紬", "ツムギ"),
        ("杏", "アン"), ("莉子", "リコ"), ("さくら", "サクラ"), ("葵", "アオイ"), ("結愛", "ユア"),
        ("澪", "ミオ"), ("心春", "コハル"), ("美桜", "ミオ"), ("咲良", "サクラ"), ("陽菜", "ヒナ"),
        ("詩", "ウタ"), ("ゆい", "ユイ"), ("花", "ハナ"), ("琴音", "コトネ"), ("一華", "イチカ"),
    ),
}

# Foreign residents: (name, kana, sex, alias (通称) or "", statuses to pick from)
FOREIGN_NAMES = (
    ("王　偉", "オウ　イ", "male", "", ("技術・人文知識・国際業務", "永住者", "留学")),
    ("李　娜", "リ　ナ", "female", "", ("家族滞在", "永住者", "留学")),
    ("張　敏", "チョウ　ビン", "female", "", ("技術・人文知識・国際業務", "日本人の配偶者等")),
    ("劉　洋", "リュウ　ヨウ", "male", "", ("高度専門職1号", "高度専門職2号", "留学")),
    ("陳　静", "チン　セイ", "female", "", ("永住者", "家族滞在")),
    ("金　民俊", "キム　ミンジュン", "male", "金田　民俊", ("特別永住者",)),
    ("朴　智恩", "パク　チウン", "female", "新井　智恵", ("特別永住者",)),
    ("李　成浩", "イ　ソンホ", "male", "", ("永住者", "技術・人文知識・国際業務")),
    ("NGUYEN VAN AN", "グエン　ヴァン　アン", "male", "", ("技能実習2号", "特定技能1号", "留学")),
    ("TRAN THI HOA", "チャン　ティ　ホア", "female", "", ("技能実習2号", "特定技能1号", "留学")),
    ("PHAM MINH DUC", "ファム　ミン　ドゥック", "male", "", ("特定技能1号", "技術・人文知識・国際業務")),
    ("SMITH JOHN", "スミス　ジョン", "male", "", ("技術・人文知識・国際業務", "教授", "永住者")),
    ("SILVA MARIA", "シルバ　マリア", "female", "", ("定住者", "永住者")),
    ("KUMAR RAJESH", "クマール　ラジェシュ", "male", "", ("高度専門職1号", "高度専門職2号")),
    ("SANTOS ANA", "サントス　アナ", "female", "", ("日本人の配偶者等", "定住者")),
)

PROXY_RELATIONS = (("子", 40), ("配偶者", 25), ("親", 10), ("兄弟姉妹", 10), ("孫", 8), ("知人", 7))
RETURN_REASONS = ("あて所に尋ねあたりません", "転居先不明", "保管期間経過", "受取拒否")

# --------------------------------------------------------------------------------------------
# Scenario people (SCENARIOS.md), in this order, before any random resident.
# --------------------------------------------------------------------------------------------
SCENARIO_RESIDENTS = (
    # key, name, kana, sex, birth date, town, block, building
    ("hanako", "山田　花子", "ヤマダ　ハナコ", "female", date(1985, 6, 1), "千里山西", "2丁目5番12号", "サンハイツ千里山 203号室"),
    ("kiyo", "鈴木　キヨ", "スズキ　キヨ", "female", date(1940, 2, 29), "千里山東", "3丁目14番7号", ""),
    ("ichiro", "鈴木　一郎", "スズキ　イチロウ", "male", date(1966, 9, 12), "千里山東", "3丁目14番7号", ""),
    ("jiro", "高橋　次郎", "タカハシ　ジロウ", "male", date(1978, 3, 21), "泉町", "3丁目18番1号", "グランフォーレ吹田 502号室"),
    ("misaki", "佐藤　美咲", "サトウ　ミサキ", "female", date(1992, 11, 3), "江坂町", "2丁目9番20号", "エスリード江坂 1104号室"),
    ("ken", "伊藤　健", "イトウ　ケン", "male", date(1980, 8, 17), "山田東", "2丁目6番3号", ""),
    ("yui", "渡辺　ゆい", "ワタナベ　ユイ", "female", date(2014, 4, 10), "津雲台", "5丁目3番1号", "千里津雲台団地 C12棟 304号室"),
    ("naomi", "渡辺　直美", "ワタナベ　ナオミ", "female", date(1983, 7, 25), "津雲台", "5丁目3番1号", "千里津雲台団地 C12棟 304号室"),
    ("masao", "中村　正男", "ナカムラ　マサオ", "male", date(1946, 1, 30), "佐竹台", "4丁目2番8号", ""),
    ("sachiko", "髙橋　幸子", "タカハシ　サチコ", "female", date(1971, 12, 8), "岸部北", "1丁目20番5号", ""),
)
SCENARIO_KANA = frozenset(row[2] for row in SCENARIO_RESIDENTS)

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


# Upper bounds of rows per resident, for the id ranges of the SQLite staging copies.
_IDS_PER_RESIDENT = {
    "residents": 1, "cards": 8, "applications": 8, "certificates": 32, "proxy_authorizations": 4,
    "identity_documents": 24,
}
_MODELS = (
    ("residents", Resident), ("cards", Card), ("applications", Application), ("certificates", Certificate),
    ("proxy_authorizations", ProxyAuthorization), ("identity_documents", IdentityDocument),
)


def _max_id(model, column: str | None = None) -> int:
    from django.db.models import Max

    field_name = column or model._meta.pk.attname
    return model._default_manager.aggregate(m=Max(field_name))["m"] or 0


class RefusedError(Exception):
    """The database already has residents and --append was not given."""


class CityBuilder:
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
                new_offices, Office, default_user=self.user, default_change_reason=CHANGE_REASON,
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
                profiles, StaffProfile, default_user=self.user, default_change_reason=CHANGE_REASON,
                default_date=self.now,
            )
        self.clerks = {self.offices[code].pk: ids for code, ids in clerks_by_office.items()}
        self.office_pk = {code: o.pk for code, o in existing.items()}
        last = (
            Certificate.objects.filter(serial__startswith=SERIAL_PREFIX, serial__regex=r"^DM[0-9]{14}$")
            .order_by("-serial").values_list("serial", flat=True).first()
        )
        self._serial_base = int(last[len(SERIAL_PREFIX):]) + 1 if last else 1

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

    # ---------------------------------------------------------------- two processes
    def _build_parallel(self, jobs, workers: int):
        """Build the chunks in ``workers`` forked processes (both cores of the machine).

        Every process writes with ``bulk_create_with_history`` into its own scratch space, with
        ids from disjoint ranges: on SQLite (one writer at a time) a copy of the database
        (VACUUM INTO), on PostgreSQL a schema of UNLOGGED tables without indexes or foreign
        keys, put first on the process's search_path. This process then copies the new rows
        into the real tables in one transaction (INSERT ... SELECT, history rows included),
        rebuilding their secondary indexes at once, and removes the scratch space.
        """
        import multiprocessing as mp

        from django.db import connections

        ctx = mp.get_context("fork")
        sqlite = connection.vendor == "sqlite"
        postgres = connection.vendor == "postgresql"
        stages, id_bases, hist_bases = [], None, {}
        phase = time.monotonic()
        if postgres:
            id_bases = {key: _max_id(model) for key, model in _MODELS}
            stages = self._pg_create_stages(workers)
            self.timings["staging schemas"] = time.monotonic() - phase
        if sqlite:
            id_bases = {key: _max_id(model) for key, model in _MODELS}
            for k in range(workers):
                path = f"{connection.settings_dict['NAME']}.demo-stage-{os.getpid()}-{k}"
                if os.path.exists(path):
                    os.remove(path)
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM INTO %s", [path])
                stages.append(path)
            for _key, model in _MODELS:
                hist = model.history.model
                hist_bases[hist._meta.db_table] = _max_id(hist, "history_id")
            self.timings["staging copies"] = time.monotonic() - phase
        connections.close_all()
        phase = time.monotonic()
        queue = ctx.Queue()
        procs = []
        for k in range(workers):
            mine = jobs[k::workers]
            proc = ctx.Process(
                target=self._worker, args=(mine, stages[k] if stages else None, id_bases, queue), daemon=True
            )
            proc.start()
            procs.append(proc)
        done, failures = 0, []
        while done < workers:
            try:
                kind, value = queue.get(timeout=5)
            except Exception:  # noqa: BLE001 - queue.Empty: check that the workers are still there
                if not any(proc.is_alive() for proc in procs):
                    failures.append("a worker process ended without reporting (killed?)")
                    break
                continue
            if kind == "progress":
                if self.progress:
                    self.progress(value)
            elif kind == "stats":
                for key, n in value.items():
                    self.stats[key] = self.stats.get(key, 0) + n
                done += 1
            elif kind == "error":
                failures.append(value)
                done += 1
                for proc in procs:  # fail fast: the other process's work would be thrown away
                    if proc.is_alive():
                        proc.terminate()
                break
        for proc in procs:
            proc.join()
        self.timings[f"other chunks ({workers} processes)"] = time.monotonic() - phase
        try:
            if failures:
                raise RuntimeError("デモの市の作成に失敗しました:\n" + "\n".join(failures))
            phase = time.monotonic()
            if sqlite:
                self._merge_stages(stages, id_bases, hist_bases)
            elif postgres:
                self._pg_merge_stages(stages)
            if stages:
                self.timings["merge into the database"] = time.monotonic() - phase
        finally:
            if postgres:
                with connection.cursor() as cursor:
                    for schema in stages:
                        cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema)} CASCADE")
            elif sqlite:
                for path in stages:
                    for suffix in ("", "-wal", "-shm", "-journal"):
                        if os.path.exists(path + suffix):
                            os.remove(path + suffix)

    def _worker(self, jobs, stage_path, id_bases, queue):
        import traceback

        from django.db import connections

        try:
            connections.close_all()
            if stage_path and connection.vendor == "postgresql":
                # unqualified table names now resolve to the scratch schema first
                options = connections["default"].settings_dict.setdefault("OPTIONS", {})
                options["options"] = f"-c search_path={stage_path},{self._pg_search_path}"
            elif stage_path:
                connections["default"].settings_dict["NAME"] = stage_path
                self._lighten_stage()
            self.stats = {}
            self._tune_connection()
            for c, count in jobs:
                self._build_chunk(c, count, id_bases)
                queue.put(("progress", count))
            connections.close_all()
            queue.put(("stats", self.stats))
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises
            queue.put(("error", traceback.format_exc()))

    @staticmethod
    def _pg_can_create_schema() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT has_database_privilege(current_database(), 'CREATE')")
            return bool(cursor.fetchone()[0])

    def _pg_tables(self):
        tables = []
        for _key, model in _MODELS:
            tables += [model._meta.db_table, model.history.model._meta.db_table]
        return tables

    def _pg_create_stages(self, workers: int) -> list[str]:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schemas(false)")
            self._pg_search_path = ",".join(cursor.fetchone()[0]) or "public"
            stages = []
            for k in range(workers):
                schema = f"demo_stage_{os.getpid()}_{k}"
                cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
                cursor.execute(f"CREATE SCHEMA {quote(schema)}")
                stages.append(schema)
                for table in self._pg_tables():
                    cursor.execute(
                        f"CREATE UNLOGGED TABLE {quote(schema)}.{quote(table)} "
                        f"(LIKE {quote(table)} INCLUDING DEFAULTS INCLUDING IDENTITY)"
                    )
        return stages

    def _pg_merge_stages(self, stages):
        """INSERT ... SELECT from the scratch schemas, with the secondary indexes rebuilt."""
        from django.core.management.color import no_style

        self._tune_connection()
        quote = connection.ops.quote_name
        tables = self._pg_tables()
        with transaction.atomic(), connection.cursor() as cursor:
            # check the foreign keys statement by statement (no trigger events left pending when
            # the indexes are built again)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # secondary indexes that no constraint owns (primary keys and UNIQUE constraints stay)
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE t.relname = ANY(%s) AND n.nspname = ANY(current_schemas(false)) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [tables],
            )
            indexes = cursor.fetchall()
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {name}")
            for _key, model in _MODELS:
                table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
                cols = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
                union = " UNION ALL ".join(f"SELECT {cols} FROM {quote(schema)}.{table}" for schema in stages)
                cursor.execute(f"INSERT INTO {table} ({cols}) SELECT * FROM ({union}) AS s ORDER BY {pk}")
            for _key, model in _MODELS:
                hist = model.history.model
                table = quote(hist._meta.db_table)
                cols = ", ".join(quote(f.column) for f in hist._meta.concrete_fields if f.column != "history_id")
                union = " UNION ALL ".join(f"SELECT {cols} FROM {quote(schema)}.{table}" for schema in stages)
                cursor.execute(f"INSERT INTO {table} ({cols}) SELECT * FROM ({union}) AS s ORDER BY {quote('id')}")
            for _name, sql in indexes:
                cursor.execute(sql)
            # the explicit ids moved past the identity sequences: move them on
            for sql in connection.ops.sequence_reset_sql(no_style(), [model for _key, model in _MODELS]):
                cursor.execute(sql)
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {quote(table)}")

    @staticmethod
    def _lighten_stage():
        """A staging copy is write-only scratch space: drop its secondary indexes and skip its
        foreign-key checks. The merge into the real database maintains and checks both."""
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
            tables = []
            for _key, model in _MODELS:
                tables += [model._meta.db_table, model.history.model._meta.db_table]
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({placeholders})",
                tables,
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

    def _assign_ids(self, chunk: _Chunk, c: int, id_bases: dict):
        """Explicit ids from the chunk's own ranges (SQLite staging copies must not collide)."""
        for key, items in (
            ("residents", chunk.residents), ("cards", chunk.cards), ("applications", chunk.apps),
            ("certificates", chunk.certs), ("proxy_authorizations", chunk.proxies),
            ("identity_documents", chunk.docs),
        ):
            span = self.batch_size * _IDS_PER_RESIDENT[key]
            if len(items) > span:
                raise RuntimeError(f"too many {key} in chunk {c}: {len(items)} > {span}")
            start = id_bases[key] + (c - 1) * span + 1
            for i, obj in enumerate(items):
                obj.pk = start + i

    def _merge_stages(self, stages, id_bases, hist_bases):
        """Copy the new rows of the staging copies into the database, in one transaction.

        The tables' secondary indexes are dropped and created again inside the same transaction
        (building an index at once is much cheaper than a million random inserts into it); if
        anything fails, the transaction restores everything as it was.
        """
        self._tune_connection()
        quote = connection.ops.quote_name
        aliases = [f"demo_stage_{k}" for k in range(len(stages))]
        with connection.cursor() as cursor:
            for alias, path in zip(aliases, stages):
                cursor.execute(f"ATTACH DATABASE %s AS {alias}", [path])
            try:
                with transaction.atomic():
                    tables = []
                    for _key, model in _MODELS:
                        tables += [model._meta.db_table, model.history.model._meta.db_table]
                    placeholders = ", ".join(["%s"] * len(tables))
                    cursor.execute(
                        "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                        f"AND tbl_name IN ({placeholders})",
                        tables,
                    )
                    indexes = cursor.fetchall()
                    for name, _sql in indexes:
                        cursor.execute(f"DROP INDEX main.{quote(name)}")
                    for key, model in _MODELS:
                        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
                        cols = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
                        union = " UNION ALL ".join(
                            f"SELECT {cols} FROM {alias}.{table} WHERE {pk} > %s" for alias in aliases
                        )
                        cursor.execute(
                            f"INSERT INTO main.{table} ({cols}) SELECT * FROM ({union}) ORDER BY {pk}",
                            [id_bases[key]] * len(aliases),
                        )
                    for _key, model in _MODELS:
                        hist = model.history.model
                        table = quote(hist._meta.db_table)
                        cols = ", ".join(
                            quote(f.column) for f in hist._meta.concrete_fields if f.column != "history_id"
                        )
                        union = " UNION ALL ".join(
                            f"SELECT {cols} FROM {alias}.{table} WHERE history_id > %s" for alias in aliases
                        )
                        cursor.execute(
                            f"INSERT INTO main.{table} ({cols}) SELECT * FROM ({union}) ORDER BY {quote('id')}",
                            [hist_bases[hist._meta.db_table]] * len(aliases),
                        )
                    for _name, sql in indexes:
                        cursor.execute(sql)
            finally:
                for alias in aliases:
                    cursor.execute(f"DETACH DATABASE {alias}")

    def _tune_connection(self):
        if connection.in_atomic_block:  # e.g. inside a test's transaction: leave the session alone
            return
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB page cache for this run
            elif connection.vendor == "postgresql":
                # Only this session's commits stop waiting for the WAL flush; no risk of corruption.
                cursor.execute("SET synchronous_commit TO OFF")

    # ---------------------------------------------------------------- writing
    def _flush(self, chunk: _Chunk):
        kw = {
            "batch_size": self.batch_size,
            "default_user": self.user,
            "default_change_reason": CHANGE_REASON,
            "default_date": self.now,
        }
        with transaction.atomic():
            bulk_create_with_history(chunk.residents, Resident, **kw)
            for card in chunk.cards:
                card.resident_id = card._res.pk
            bulk_create_with_history(chunk.cards, Card, **kw)
            for app in chunk.apps:
                app.resident_id = app._res.pk
                app.card_id = app._card.pk if app._card is not None else None
            bulk_create_with_history(chunk.apps, Application, **kw)
            for cert in chunk.certs:
                cert.card_id = cert._card.pk
                cert.application_id = cert._app.pk if cert._app is not None else None
            bulk_create_with_history(chunk.certs, Certificate, **kw)
            for proxy in chunk.proxies:
                proxy.application_id = proxy._app.pk
            bulk_create_with_history(chunk.proxies, ProxyAuthorization, **kw)
            for doc in chunk.docs:
                doc.application_id = doc._app.pk
            bulk_create_with_history(chunk.docs, IdentityDocument, **kw)
        for key, items in (
            ("residents", chunk.residents), ("cards", chunk.cards), ("applications", chunk.apps),
            ("certificates", chunk.certs), ("proxy_authorizations", chunk.proxies),
            ("identity_documents", chunk.docs),
        ):
            self.stats[key] = self.stats.get(key, 0) + len(items)

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
                building = f"{town}団地 {'ABCDEFGH'[rng.randrange(8)]}{rng.randint(1, 40)}棟 {rng.randint(1, 5)}{rng.randint(1, 10):02d}号室"
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
            chunk.residents.append(res)
            address = town + block + (f"　{building}" if building else "")
            person = _Person(res, birth, birth_ord, ward, stay_cap, status, gone_ord, office, address, arrival_ord)
            chunk.people.append(person)
            self._cards_for(chunk, rng, person, age)

    # ---------------------------------------------------------------- cards
    _YEAR_WEIGHTS = {2016: 4, 2017: 3, 2018: 3, 2019: 4, 2020: 11, 2021: 13, 2022: 20, 2023: 17, 2024: 10, 2025: 8, 2026: 7}

    def _first_card_day(self, rng, lo: int, hi: int) -> int | None:
        if lo > hi:
            return None
        lo_year, hi_year = date.fromordinal(lo).year, date.fromordinal(hi).year
        years = [y for y in range(lo_year, hi_year + 1)]
        weights = [self._YEAR_WEIGHTS.get(y, 5) for y in years]
        year = rng.choices(years, weights)[0]
        first = max(lo, date(year, 1, 1).toordinal())
        last = min(hi, date(year, 12, 31).toordinal())
        o = self._snap(first + rng.randrange(last - first + 1), hi)
        return o if o is not None else self._counter_day(rng, lo, hi)

    def _new_card(self, chunk, rng, p: _Person, issue_ord: int, *, kind="mynumber", expires=None, office=None):
        issued_on = date.fromordinal(issue_ord)
        if expires is None:
            expires = rules.card_expiry(issued_on=issued_on, birth_date=p.birth, period_of_stay_ends_on=p.stay_cap)
            if expires <= issued_on:  # a period of stay ending on the day of issue: one day
                expires = issued_on + timedelta(days=1)
        age = (issue_ord - p.birth_ord) // 365
        card = Card(
            kind=kind,
            issued_on=issued_on,
            expires_on=expires,
            status="active",
            face_authentication_only=kind == "mynumber" and age >= 75 and rng.random() < 0.12,
            office_id=office if office is not None else self._office(rng, p.office),
        )
        card._res = p.res
        chunk.cards.append(card)
        return card

    def _close_card(self, card, status: str, at_ord: int, rng):
        card.status = status
        card.status_changed_at = self._moment(rng, min(at_ord, self.last_event_ord)) if at_ord <= self.today_ord else None

    def _cards_for(self, chunk, rng, p: _Person, age: int):
        first = len(chunk.certs)
        self._cards_for_inner(chunk, rng, p, age)
        today = self.today
        for cert in chunk.certs[first:]:  # whatever outlived its expiry has expired by today
            if cert.status == "valid" and cert.expires_on < today:
                cert.status = "expired"

    def _cards_for_inner(self, chunk, rng, p: _Person, age: int):
        end_ord = p.gone_ord - 1 if p.gone_ord else self.last_event_ord  # last day a card could be issued
        juki_card = None
        # legacy 住基カード (2003-2015), for some older residents
        if age >= 35 and rng.random() < 0.035:
            lo = max(date(2003, 8, 25).toordinal(), p.birth_ord + 15 * 366)
            hi = min(date(2015, 12, 21).toordinal(), end_ord)
            o = self._counter_day(rng, lo, hi) if lo < hi else None
            if o is not None:
                issued = date.fromordinal(o)
                juki_card = self._new_card(chunk, rng, p, o, kind="juki", expires=issued.replace(year=issued.year + 10) if not (issued.month == 2 and issued.day == 29) else date(issued.year + 10, 2, 28))
                if rng.random() < 0.4:  # a legacy signing certificate: valid 3 years, long expired
                    exp = date(issued.year + 3, issued.month, 28 if issued.day > 28 else issued.day)
                    self._add_cert(chunk, p, juki_card, "signing", o, exp, None)
                juki_card.status = "expired" if juki_card.expires_on < self.today else "active"
        p_card = 0.40 if age < 1 else 0.62 if age < 15 else 0.70 if age < 75 else 0.62 if age < 90 else 0.45
        if p.stay_cap is not None:
            p_card = 0.6
        cards_left = rng.random() < p_card
        lo = max(MYNUMBER_CARD_START.toordinal(), p.birth_ord + 20, p.arrival_ord + 14)
        issue = self._first_card_day(rng, lo, end_ord) if cards_left else None
        if juki_card is not None:
            self._finish_juki(chunk, rng, p, juki_card, issue)
        if issue is None:
            return
        reissue = False
        while True:
            card = self._new_card(chunk, rng, p, issue)
            exp_ord = card.expires_on.toordinal()
            # the card's fate: (status, ord of the change, reason for its certificates)
            fate, at, next_issue = self._card_fate(rng, p, card, issue, exp_ord)
            self._certs_for(chunk, rng, p, card, issue, fate, at, reissue=reissue,
                            reissue_at=next_issue if fate == "lost" else None)
            if next_issue is None:
                break
            reissue = fate == "lost"
            issue = next_issue
        if card.status == "active" and not getattr(card, "_listed", False):
            chunk.active.append((p, card, None, None))
        if card.status == "active" and p.status == "registered" and not p.ward and age >= 18:
            r = rng.random()
            if r < 0.012:  # an appointed proxy's application in progress (or ended by a returned letter)
                self._open_proxy(chunk, rng, p, card)
            elif r < 0.0145:  # refused, withdrawn, or received and not finished yet
                self._odd_application(chunk, rng, p, card)

    def _finish_juki(self, chunk, rng, p, juki_card, mynumber_issue):
        # A 住基カード is returned when a My Number card is issued, else it expired.
        if mynumber_issue is not None and mynumber_issue <= juki_card.expires_on.toordinal():
            self._close_card(juki_card, "returned", mynumber_issue, rng)
        elif juki_card.expires_on < self.today:
            self._close_card(juki_card, "expired", juki_card.expires_on.toordinal() + 1, rng)
        elif p.gone_ord:
            self._close_card(juki_card, "revoked", p.gone_ord, rng)
        else:  # still within its 10 years: returned when the resident got tired of it
            self._close_card(juki_card, "returned", self._counter_day(rng, date(2016, 1, 4).toordinal(), self.last_event_ord) or self.last_event_ord, rng)

    def _card_fate(self, rng, p: _Person, card, issue: int, exp_ord: int):
        """Decide what happens to a card: returns (fate, ordinal, next card's issue ordinal)."""
        today_ord = self.today_ord
        limit = p.gone_ord if p.gone_ord else today_ord
        # lost at some point (2.5% of cards)
        if rng.random() < 0.025 and issue + 40 < min(limit, exp_ord):
            lost = rng.randint(issue + 30, min(limit, exp_ord) - 1)
            if lost > self.last_event_ord:
                lost = self.last_event_ord
            new_issue = self._snap(lost + rng.randint(14, 45), self.last_event_ord) if lost + 14 <= self.last_event_ord else None
            if new_issue is None or new_issue <= lost or (p.gone_ord and new_issue >= p.gone_ord) or rng.random() < 0.08:
                # reported lost, no new card yet: suspended
                return "suspended", lost, None
            self._close_card(card, "lost", lost, rng)
            return "lost", lost, new_issue
        if exp_ord < limit:
            # expired (by date) while the person was here
            if rng.random() < 0.75 and not p.gone_ord:
                new_issue = self._snap(exp_ord - rng.randint(-90, 85), self.last_event_ord)
                if new_issue is not None and issue < new_issue <= self.last_event_ord and (p.gone_ord is None or new_issue < p.gone_ord):
                    if new_issue <= exp_ord:
                        self._close_card(card, "returned", new_issue, rng)
                        return "returned", new_issue, new_issue
                    self._close_card(card, "expired", exp_ord + 1, rng)
                    return "expired", exp_ord + 1, new_issue
            self._close_card(card, "expired", exp_ord + 1, rng)
            return "expired", exp_ord + 1, None
        if p.gone_ord:
            gone = p.gone_ord
            if p.status == "moved_out" and gone > today_ord - 90:
                return "moved_recently", gone, None  # card still active; signing revoked
            status = "returned" if p.status == "moved_abroad" and rng.random() < 0.5 else "revoked"
            self._close_card(card, status, gone, rng)
            return status, gone, None
        # an active card; a few reported lost recently and suspended
        if rng.random() < 0.004:
            return "suspended", self._counter_day(rng, max(issue + 1, today_ord - 20), self.last_event_ord) or self.last_event_ord, None
        return "active", None, None

    # ---------------------------------------------------------------- certificates
    def _add_cert(self, chunk, p: _Person, card, kind: str, issue_ord: int, expires: date, app, *, address=None):
        name_text, name_pos = certificate_text(p.res.name)
        addr_text, addr_pos = certificate_text(address or p.address)
        cert = Certificate(
            kind=kind,
            serial=self._serial(),
            issued_on=date.fromordinal(issue_ord),
            expires_on=expires,
            status="valid",
            name_in_certificate=name_text,
            address_in_certificate=addr_text,
            substituted_name_positions=name_pos,
            substituted_address_positions=addr_pos,
            office_id=app.office_id if app is not None else card.office_id,
        )
        cert._card = card
        cert._app = app
        chunk.certs.append(cert)
        return cert

    @staticmethod
    def _end_cert(cert, status: str, at: datetime | None, reason: str = ""):
        cert.status = status
        if status == "revoked":
            cert.revoked_at = at
            cert.revocation_reason = reason

    def _certs_for(self, chunk, rng, p: _Person, card, issue: int, fate: str, fate_at: int | None, *, reissue: bool,
                   reissue_at: int | None = None):
        if card.face_authentication_only:
            return
        if rng.random() > (0.86 if (issue - p.birth_ord) // 365 >= 15 else 0.75):
            return
        today_ord = self.today_ord
        card_exp = card.expires_on
        card_exp_ord = card_exp.toordinal()
        # last day on which something could still be issued onto this card
        stop = min(card_exp_ord - 1, self.last_event_ord, (fate_at - 1) if fate_at else self.last_event_ord)
        t = issue if rng.random() < 0.85 else (self._counter_day(rng, issue, stop) or issue)
        if t > stop:
            return
        renewed = False
        kind = "reissue" if reissue else "new"
        adult_user_only = rng.random() < 0.05
        valid = {}  # kind -> cert currently valid
        while True:
            t_date = date.fromordinal(t)
            signing_ok = rules.signing_certificate_allowed(birth_date=p.birth, on=t_date, adult_ward=p.ward) and not adult_user_only
            user_exp = rules.certificate_expiry(issued_on=t_date, birth_date=p.birth, renewed=renewed, card_expires_on=card_exp)
            if user_exp <= t_date:  # nothing left to issue onto this card
                return
            app = self._issue_application(chunk, rng, p, card, t, kind, signing_ok, True) if t >= self.window_start_ord else None
            if app is False:  # the application is still open (proxy in progress): nothing issued
                return
            valid["user"] = self._add_cert(chunk, p, card, "user", t, user_exp, app)
            if signing_ok:
                valid["signing"] = self._add_cert(chunk, p, card, "signing", t, user_exp, app)
            exp_ord = user_exp.toordinal()
            if exp_ord >= min(stop + 1, card_exp_ord) or exp_ord >= today_ord:
                break  # valid to the end of the card's life here (or to today)
            # the certificates reach their expiry while the card lives on
            if rng.random() < 0.72:
                opens, _closes = rules.renewal_window(user_exp)
                r = self._counter_day(rng, opens.toordinal(), min(exp_ord, stop))
                if r is not None:
                    at = self._moment(rng, r)
                    for cert in valid.values():
                        self._end_cert(cert, "revoked", at, REASON_RENEWAL)
                    valid = {}
                    t, renewed, kind = r, True, "renewal"
                    continue
            for cert in valid.values():
                self._end_cert(cert, "expired", None)
            valid = {}
            if rng.random() < 0.35 and exp_ord + 30 < stop:
                t = self._counter_day(rng, exp_ord + 1, min(stop, exp_ord + 500))
                if t is not None:
                    renewed, kind = False, "new"
                    continue
            return
        # -- the current certificates of this card, until the card's fate
        signing = valid.get("signing")
        user = valid["user"]
        if fate in ("active", "moved_recently", "suspended") and signing is not None and signing.status == "valid":
            r = rng.random()
            # a move within the city (基本4情報の変更) revoked the signing certificate
            m = None
            if r < 0.05 and fate == "active" and t + 40 < self.last_event_ord:
                m = self._snap(rng.randint(t + 30, self.last_event_ord), self.last_event_ord)
            if m is not None:
                town, _postal, block, building, _office = self._address(rng)
                signing.address_in_certificate, signing.substituted_address_positions = certificate_text(
                    town + block + (f"　{building}" if building else "")
                )
                self._end_cert(signing, "revoked", self._moment(rng, m), REASON_BASIC_INFO_CHANGE)
                if rng.random() < 0.6 and m < self.last_event_ord:
                    s = self._counter_day(rng, m, min(self.last_event_ord, m + 60))
                    if s is not None and s < user.expires_on.toordinal():
                        s_date = date.fromordinal(s)
                        s_exp = rules.certificate_expiry(
                            issued_on=s_date, birth_date=p.birth, card_expires_on=card_exp,
                            user_certificate_expires_on=user.expires_on,
                        )
                        app = self._issue_application(chunk, rng, p, card, s, "new", True, False) if s >= self.window_start_ord else None
                        if app is not False and s_exp > s_date:
                            signing = self._add_cert(chunk, p, card, "signing", s, s_exp, app)
            elif 0.05 <= r < 0.058:
                # the resident asked for revocation
                hi = min(self.last_event_ord, fate_at - 1) if fate_at else self.last_event_ord
                o = self._counter_day(rng, t + 1, hi) if t < hi else None
                if o is not None:
                    app = self._simple_application(chunk, rng, p, card, o, "revocation", True, rng.random() < 0.5) if o >= self.window_start_ord else None
                    at = app.received_at if app is not None else self._moment(rng, o)
                    self._end_cert(signing, "revoked", at, REASON_REQUESTED)
                    if app is not None and app.user_requested:
                        self._end_cert(user, "revoked", at, REASON_REQUESTED)
        # password initializations (no change to the certificates)
        if fate == "active" and user.status == "valid" and rng.random() < 0.035:
            o = self._app_day(rng, lo=t + 1)
            if o is not None and o > t:
                self._password_init(chunk, rng, p, card, o, signing is not None and signing.status == "valid")
        # the card's fate
        if fate == "active" or fate is None:
            chunk.active.append((p, card, user, signing))
            card._listed = True
            return
        at = self._moment(rng, min(fate_at, self.last_event_ord)) if fate_at is not None else None
        if fate == "suspended":
            if signing is not None and signing.status == "valid":
                self._end_cert(signing, "revoked", at, REASON_LOSS)
            self._close_card(card, "suspended", fate_at, rng)
        elif fate == "moved_recently":
            if signing is not None and signing.status == "valid":
                self._end_cert(signing, "revoked", at, REASON_DEPARTURE["moved_out"])
        elif fate == "lost":
            if signing is not None and signing.status == "valid":
                self._end_cert(signing, "revoked", at, REASON_LOSS)
            if user.status == "valid":
                later = self._moment(rng, reissue_at) if reissue_at else at
                self._end_cert(user, "revoked", later, REASON_CARD_REISSUE)
        elif fate == "returned":
            reason = REASON_DEPARTURE["moved_abroad"] if p.status == "moved_abroad" else REASON_CARD_RENEWED
            for cert in (signing, user):
                if cert is not None and cert.status == "valid":
                    self._end_cert(cert, "revoked", at, reason)
        elif fate == "revoked":
            reason = REASON_DEPARTURE.get(p.status, "カードの廃止")
            for cert in (signing, user):
                if cert is not None and cert.status == "valid":
                    self._end_cert(cert, "revoked", at, reason)
        # any certificate left "valid" past its expiry is expired
        for cert in (signing, user):
            if cert is not None and cert.status == "valid" and cert.expires_on < self.today:
                self._end_cert(cert, "expired", None)

    # ---------------------------------------------------------------- applications
    def _application(self, rng, p: _Person, card, o: int, kind: str, applicant: str, *, signing: bool, user: bool,
                     status: str = "completed", office=None, late: bool = False):
        office = office if office is not None else self._office(rng, p.office)
        received = self._moment(rng, o, late=late)
        app = Application(
            kind=kind,
            applicant_type=applicant,
            office_id=office,
            received_at=received,
            received_by_id=self._clerk(rng, office),
            status=status,
            signing_requested=signing,
            user_requested=user,
            outside_counter_hours=not rules.counter_is_open(received),
            completed_at=received + timedelta(minutes=rng.randint(8, 35)) if status == "completed" else None,
        )
        if app.completed_at is not None and app.completed_at > self.now:
            app.completed_at = self.now
        app._res = p.res
        app._card = card
        return app

    def _applicant_type(self, rng, p: _Person, o: int, kind: str) -> str:
        age = (o - p.birth_ord) // 365
        if age < 15 or p.ward:
            return "legal"
        if kind in ("new", "renewal", "revocation", "password_init") and rng.random() < (0.12 if age >= 75 else 0.04):
            return "proxy"
        return "self"

    def _docs(self, chunk, rng, app, holder: str, kinds, at, visit: int = 1):
        for kind in kinds:
            if kind == "mynumber_card":
                last4 = ""  # never record (part of) the individual number
            elif kind == "passport":
                last4 = f"{rng.randrange(10000):04d}"
            elif kind == "residence_card":
                last4 = f"{rng.randrange(100):02d}{'ABCDEFGHJK'[rng.randrange(10)]}{'ABCDEFGHJK'[rng.randrange(10)]}"
            else:
                last4 = f"{rng.randrange(10000):04d}"
            issuer = {
                "driving_licence": "大阪府公安委員会", "passport": "外務省", "residence_card": "出入国在留管理庁",
                "health_insurance_card": "吹田市", "mynumber_card": "吹田市長", "care_insurance_card": "吹田市",
            }.get(kind, "")
            doc = IdentityDocument(holder=holder, visit=visit, kind=kind, issuer=issuer, number_last4=last4, checked_at=at)
            doc._app = app
            chunk.docs.append(doc)

    def _self_docs(self, chunk, rng, app, p: _Person):
        if p.res.residence_status and rng.random() < 0.5:
            self._docs(chunk, rng, app, "resident", ("mynumber_card", "residence_card"), app.received_at)
        else:
            self._docs(chunk, rng, app, "resident", ("mynumber_card",), app.received_at)

    def _legal(self, chunk, rng, app, p: _Person, o: int):
        ward = p.ward
        app.legal_authority_document = "登記事項証明書" if ward else "戸籍謄本"
        app.legal_authority_issued_on = date.fromordinal(o - rng.randint(3, 80))
        app.notes = "成年後見人が来庁" if ward else "親権者（母）が同伴" if rng.random() < 0.7 else "親権者（父）が同伴"
        self._docs(chunk, rng, app, "legal", (("driving_licence", "mynumber_card", "passport")[rng.randrange(3)],), app.received_at)
        self._docs(chunk, rng, app, "resident", ("mynumber_card",), app.received_at)

    def _proxy(self, rng, p: _Person, app, stage: str, visit1: datetime, visit1_office: int):
        rel = PROXY_RELATIONS[bisect.bisect_right(self._relation_cum, rng.random() * self._relation_cum[-1])][0]
        family = rel != "知人"
        surname, surname_kana = (p.res.name.split("　")[0], p.res.name_kana.split("　")[0]) if family and "　" in p.res.name else ("", "")
        sex = "male" if rng.random() < 0.5 else "female"
        if rel == "子":
            byear = p.birth.year + rng.randint(22, 38)
        elif rel == "親":
            byear = p.birth.year - rng.randint(22, 38)
        elif rel == "孫":
            byear = p.birth.year + rng.randint(45, 60)
        else:
            byear = p.birth.year + rng.randint(-8, 8)
        byear = min(byear, self.today.year - 20)
        gname, gkana = self._japanese_name(rng, sex, byear)
        if surname:
            gname = surname + "　" + gname.split("　")[1]
            gkana = surname_kana + "　" + gkana.split("　")[1]
        same_home = family and rng.random() < 0.5
        if same_home:
            proxy_address, proxy_postal = p.address, p.res.postal_code
        else:
            town, postal, block, building, _ = self._address(rng)
            proxy_address, proxy_postal = town + block + (f"　{building}" if building else ""), postal
        proxy = ProxyAuthorization(
            proxy_name=gname,
            proxy_kana=gkana,
            proxy_postal_code=proxy_postal,
            proxy_address=proxy_address,
            proxy_birth_date=date(byear, rng.randint(1, 12), rng.randint(1, 28)),
            relation=rel,
            stage=stage,
            visit1_at=visit1,
            visit1_office_id=visit1_office,
        )
        proxy._app = app
        return proxy

    def _letter_sent_at(self, rng, visit1_ord: int) -> datetime:
        # printed in the evening batch of visit 1's day, or the next counter day
        o = visit1_ord if rng.random() < 0.6 else (self._snap(visit1_ord + 1, self.today_ord + 30) or visit1_ord)
        d = date.fromordinal(o)
        at = datetime(d.year, d.month, d.day, 17, rng.randint(0, 25), tzinfo=TOKYO)
        if at > self.now:
            at = self.now - timedelta(minutes=1)
        return at

    def _proxy_completed(self, chunk, rng, p: _Person, card, o: int, kind: str, signing: bool, user: bool):
        """A two-visit proxy application, completed on day ``o`` (visit 2)."""
        visit1 = self._counter_day(rng, o - 40, o - 8)
        if visit1 is None:
            return None
        office1 = self._office(rng, p.office)
        app = self._application(rng, p, card, visit1, kind, "proxy", signing=signing, user=user, office=office1)
        visit2_office = office1 if rng.random() < 0.8 else self._office(rng, p.office)
        visit2_at = self._moment(rng, o)
        proxy = self._proxy(rng, p, app, "visit2", app.received_at, office1)
        proxy.letter_sent_at = self._letter_sent_at(rng, visit1)
        reply = self._counter_day(rng, visit1 + 3, o) or o
        proxy.reply_received_at = min(self._moment(rng, reply), visit2_at)
        proxy.visit2_at = visit2_at
        proxy.visit2_office_id = visit2_office
        proxy.resident_card_checked = proxy.proxy_photo_id_checked = proxy.reply_complete = True
        proxy.power_of_attorney_complete = proxy.envelope_sealed = proxy.application_form_checked = True
        app.office_id = visit2_office
        app.received_by_id = self._clerk(rng, visit2_office)
        app.completed_at = visit2_at + timedelta(minutes=rng.randint(10, 30))
        if app.completed_at > self.now:
            app.completed_at = self.now
        # the application was received on visit 1 (its office stays visit 1's office)
        app.office_id = office1
        app.received_by_id = self._clerk(rng, office1)
        chunk.proxies.append(proxy)
        if rng.random() < 0.5:
            self._docs(chunk, rng, app, "proxy", (("health_insurance_card", "driving_licence")[rng.randrange(2)],), app.received_at, 1)
        self._docs(chunk, rng, app, "proxy", (("driving_licence", "passport", "mynumber_card")[rng.randrange(3)],), visit2_at, 2)
        self._docs(chunk, rng, app, "resident", ("mynumber_card",), visit2_at, 2)
        chunk.apps.append(app)
        app._visit2 = visit2_at
        return app

    def _issue_application(self, chunk, rng, p: _Person, card, o: int, kind: str, signing: bool, user: bool):
        """An application for certificates issued on day ``o``; None outside the window."""
        applicant = self._applicant_type(rng, p, o, kind)
        if kind == "reissue" and applicant == "proxy":
            applicant = "self"
        if applicant == "proxy":
            app = self._proxy_completed(chunk, rng, p, card, o, kind, signing, user)
            if app is not None:
                return app
            applicant = "self"
        app = self._application(rng, p, card, o, kind, applicant, signing=signing, user=user,
                                late=rng.random() < 0.004)
        if kind == "reissue":
            app.fee_due = rules.reissue_fee(signing=signing, user=user)
            app.fee_paid = True
            app.fee_receipt_number = f"R{date.fromordinal(o):%Y%m%d}-{rng.randrange(1, 9999):04d}"
        if applicant == "legal":
            self._legal(chunk, rng, app, p, o)
        else:
            self._self_docs(chunk, rng, app, p)
        chunk.apps.append(app)
        return app

    def _simple_application(self, chunk, rng, p, card, o, kind, signing, user):
        applicant = self._applicant_type(rng, p, o, kind)
        if applicant == "proxy":
            app = self._proxy_completed(chunk, rng, p, card, o, kind, signing, user)
            if app is not None:
                app.received_at = min(app.received_at, app._visit2)
                return app
            applicant = "self"
        app = self._application(rng, p, card, o, kind, applicant, signing=signing, user=user)
        if applicant == "legal":
            self._legal(chunk, rng, app, p, o)
        else:
            self._self_docs(chunk, rng, app, p)
        chunk.apps.append(app)
        return app

    def _password_init(self, chunk, rng, p, card, o, signing_valid):
        both = signing_valid and rng.random() < 0.4
        signing = signing_valid and (both or rng.random() < 0.5)
        user = both or not signing
        self._simple_application(chunk, rng, p, card, o, "password_init", signing, user)

    def _open_proxy(self, chunk, rng, p: _Person, card, *, stage: str | None = None):
        """An appointed-proxy application still in progress (or ended by a returned letter)."""
        if stage is None:
            r = rng.random()
            stage = "visit1" if r < 0.3 else "letter_sent" if r < 0.7 else "reply_received" if r < 0.88 else "returned"
        hi = self.last_event_ord if stage == "visit1" else self._prev_day(self.today_ord - 1)
        lo = self.today_ord - (2 if stage == "visit1" else 45)
        o = self._app_day(rng, lo=lo) if stage == "visit1" else self._counter_day(rng, lo, hi)
        if o is None:
            return None
        kind = ("new", "new", "new", "renewal", "password_init", "revocation")[rng.randrange(6)]
        signing = kind != "password_init" or rng.random() < 0.6
        if (self.today_ord - p.birth_ord) // 365 < 15 or p.ward:
            return None
        status = {"visit1": "awaiting_letter", "letter_sent": "letter_sent", "reply_received": "reply_received", "returned": "returned"}[stage]
        app = self._application(rng, p, card, o, kind, "proxy", signing=signing, user=True, status=status)
        proxy = self._proxy(rng, p, app, stage, app.received_at, app.office_id)
        if stage != "visit1":
            proxy.letter_sent_at = self._letter_sent_at(rng, o)
            if proxy.letter_sent_at <= app.received_at:
                proxy.letter_sent_at = app.received_at + timedelta(minutes=30)
        if stage == "reply_received":
            r = self._counter_day(rng, o + 3, self.last_event_ord) or self.last_event_ord
            proxy.reply_received_at = max(self._moment(rng, r), proxy.letter_sent_at + timedelta(hours=1))
        if stage == "returned":
            r = self._counter_day(rng, o + 3, self.last_event_ord) or self.last_event_ord
            proxy.returned_at = max(self._moment(rng, r), proxy.letter_sent_at + timedelta(hours=1))
            proxy.return_reason = RETURN_REASONS[rng.randrange(len(RETURN_REASONS))]
            app.notes = "照会書が返戻されたため申請は終了。居住実態の確認を住民記録担当へ依頼。"
        if rng.random() < 0.5:
            self._docs(chunk, rng, app, "proxy", (("health_insurance_card", "driving_licence", "pension_book")[rng.randrange(3)],), app.received_at, 1)
        chunk.apps.append(app)
        chunk.proxies.append(proxy)
        return app

    def _odd_application(self, chunk, rng, p: _Person, card, status: str | None = None):
        """An application that did not complete: refused (不受理), withdrawn, or open today."""
        if status is None:
            r = rng.random()
            status = "refused" if r < 0.4 else "cancelled" if r < 0.75 else "received"
        if status == "received":
            if not self.today_usable:
                return None
            o = self.today_ord
        else:
            o = self._app_day(rng)
            if o is None:
                return None
        kind = ("new", "password_init", "renewal")[rng.randrange(3)]
        app = self._application(rng, p, card, o, kind, "self", signing=True, user=True, status=status)
        app.notes = {
            "refused": ("本人確認書類の提示がなく不受理", "本人が来庁できず、代理人による申請（2回来庁）を案内")[rng.randrange(2)],
            "cancelled": "申請者の都合により取下げ",
            "received": "受付済み（暗証番号設定待ち）",
        }[status]
        if status != "refused":
            self._self_docs(chunk, rng, app, p)
        chunk.apps.append(app)
        return app

    def _ensure_variety(self, chunk: _Chunk, rng):
        """Make sure a small city still shows every kind, applicant type and proxy stage."""
        adults = [
            a for a in chunk.active
            if a[0].status == "registered" and not a[0].ward and (self.today_ord - a[0].birth_ord) // 365 >= 18
        ]
        if not adults:
            return
        rng.shuffle(adults)
        pick = iter(adults * 8)
        stages = {pr.stage for pr in chunk.proxies}
        for stage in ("visit1", "letter_sent", "reply_received", "returned"):
            if stage not in stages:
                for _ in range(20):
                    p, card, _u, _s = next(pick)
                    if self._open_proxy(chunk, rng, p, card, stage=stage) is not None:
                        break
        kinds = {(a.kind, a.applicant_type) for a in chunk.apps}
        present_kinds = {k for k, _t in kinds}
        present_types = {t for _k, t in kinds}
        if "visit2" not in {pr.stage for pr in chunk.proxies}:
            for p, card, user, signing in adults:
                if user is not None and user.status == "valid":
                    o = self._app_day(rng, lo=self.today_ord - 60)
                    if o is not None and self._proxy_completed(chunk, rng, p, card, o, "password_init", False, True):
                        present_kinds.add("password_init")
                        present_types.add("proxy")
                        break
        if "password_init" not in present_kinds:
            p, card, _u, _s = adults[0]
            o = self._app_day(rng)
            if o is not None:
                self._simple_application(chunk, rng, p, card, o, "password_init", False, True)
        if "legal" not in present_types:
            for p, card, user, _s in sorted(chunk.active, key=lambda a: a[2] is None):
                if p.status != "registered" or ((self.today_ord - p.birth_ord) // 365 >= 15 and not p.ward):
                    continue
                if user is not None and user.status == "valid":
                    o = self._app_day(rng, lo=user.issued_on.toordinal() + 1)
                    if o is not None:
                        self._simple_application(chunk, rng, p, card, o, "password_init", False, True)
                        break
                elif user is None and not card.face_authentication_only:
                    o = self._app_day(rng, lo=card.issued_on.toordinal() + 1)
                    if o is not None:  # the parent / guardian applies for the user certificate
                        app = self._issue_application(chunk, rng, p, card, o, "new", False, True)
                        exp = rules.certificate_expiry(issued_on=date.fromordinal(o), birth_date=p.birth, card_expires_on=card.expires_on)
                        self._add_cert(chunk, p, card, "user", o, exp, app)
                        break
            else:  # no child with a card: one gets a card and, from the parent, a user certificate
                with_card = {id(c._res) for c in chunk.cards}
                for p in chunk.people:
                    if (p.status == "registered" and id(p.res) not in with_card
                            and 1 <= (self.today_ord - p.birth_ord) // 365 < 15):
                        o = self._app_day(rng)
                        if o is None:
                            break
                        card = self._new_card(chunk, rng, p, o)
                        card.face_authentication_only = False
                        app = self._issue_application(chunk, rng, p, card, o, "new", False, True)
                        exp = rules.certificate_expiry(issued_on=date.fromordinal(o), birth_date=p.birth, card_expires_on=card.expires_on)
                        self._add_cert(chunk, p, card, "user", o, exp, app)
                        break
        if "revocation" not in present_kinds:
            for p, card, user, signing in adults:
                if signing is not None and signing.status == "valid" and signing.issued_on.toordinal() < self.window_start_ord:
                    o = self._app_day(rng)
                    if o is not None:
                        app = self._simple_application(chunk, rng, p, card, o, "revocation", True, False)
                        self._end_cert(signing, "revoked", app.received_at, REASON_REQUESTED)
                        break
        if "reissue" not in present_kinds:
            for p, card, user, signing in adults:
                if (user is not None and user.status == "valid" and user.issued_on.toordinal() < self.window_start_ord
                        and (signing is None or signing.status == "valid")):
                    self._force_reissue(chunk, rng, p, card, user, signing)
                    break
        if self.today_usable:  # the dashboard shows today's work at several offices
            today_count = sum(1 for a in chunk.apps if a.received_at.date() == self.today)
            candidates = [a for a in adults if a[2] is not None and a[2].status == "valid"]
            for p, card, user, signing in candidates[: max(0, 10 - today_count)]:
                both = signing is not None and signing.status == "valid" and rng.random() < 0.5
                self._simple_application(chunk, rng, p, card, self.today_ord, "password_init", both, True)
        statuses = {a.status for a in chunk.apps}
        for status in ("refused", "cancelled", "received"):
            if status not in statuses:
                p, card, _u, _s = next(pick)
                self._odd_application(chunk, rng, p, card, status=status)

    def _force_reissue(self, chunk, rng, p: _Person, card, user, signing):
        """The card was lost in the window and a new one issued with both certificates (fee)."""
        lost = self._counter_day(rng, self.window_start_ord, self.last_event_ord - 20)
        if lost is None:
            return
        new_issue = self._snap(lost + rng.randint(14, 20), self.last_event_ord)
        if new_issue is None or new_issue <= lost:
            return
        at = self._moment(rng, lost)
        self._close_card(card, "lost", lost, rng)
        card.status_changed_at = at
        if signing is not None and signing.status == "valid":
            self._end_cert(signing, "revoked", at, REASON_LOSS)
        new_card = self._new_card(chunk, rng, p, new_issue)
        new_card.face_authentication_only = False
        t_date = date.fromordinal(new_issue)
        signing_ok = signing is not None
        user_exp = rules.certificate_expiry(issued_on=t_date, birth_date=p.birth, card_expires_on=new_card.expires_on)
        app = self._issue_application(chunk, rng, p, new_card, new_issue, "reissue", signing_ok, True)
        if user.status == "valid":
            self._end_cert(user, "revoked", app.received_at, REASON_CARD_REISSUE)
        self._add_cert(chunk, p, new_card, "user", new_issue, user_exp, app)
        if signing_ok:
            self._add_cert(chunk, p, new_card, "signing", new_issue, user_exp, app)
        # applications recorded later on the lost card now belong to the new card
        for other in chunk.apps:
            if other._card is card and other.received_at > at:
                other._card = new_card

    # ---------------------------------------------------------------- scenario people
    def _scenario(self, chunk: _Chunk, rng):
        """The people of SCENARIOS.md, with exactly the records the scenarios start from."""
        people = {}
        for key, name, kana, sex, birth, town, block, building in SCENARIO_RESIDENTS:
            town_row = _TOWN_BY_NAME[town]
            res = Resident(
                name=name, name_kana=kana, birth_date=birth, sex=sex, postal_code=town_row[1],
                address_town=CITY_PREFIX + town, address_block=block, address_building=building,
                status="registered", is_adult_ward=key == "masao",
                **self._search_keys(name, kana),
            )
            chunk.residents.append(res)
            address = res.address_town + block + (f"　{building}" if building else "")
            people[key] = _Person(res, birth, birth.toordinal(), key == "masao", None, "registered", None,
                                  town_row[4], address, birth.toordinal())
        main = self.office_pk[MAIN_OFFICE_CODE]
        d = date.fromisoformat

        def card(key, issued, status="active", office=main):
            p = people[key]
            c = self._new_card(chunk, rng, p, d(issued).toordinal(), office=office)
            c.face_authentication_only = False
            c.status = status
            return c

        def certs(key, c, issued, kinds=("signing", "user"), renewed=False):
            p = people[key]
            i = d(issued)
            user_exp = rules.certificate_expiry(issued_on=i, birth_date=p.birth, renewed=renewed, card_expires_on=c.expires_on)
            return {k: self._add_cert(chunk, p, c, k, i.toordinal(), user_exp, None) for k in kinds}

        # 1. 山田花子: card issued 2024-06-10 (expires 2034-06-01), no certificates yet.
        card("hanako", "2024-06-10")
        # 2. 鈴木キヨ (29 February): an active card valid beyond 2031-02-28 (the expiry of the
        #    certificates her son obtains for her on 2026-12-07), no certificate.
        card("kiyo", "2023-03-15", office=self.office_pk["senriyama"])
        #    her son 鈴木一郎 (the proxy of scenario 2) has his own card and certificates.
        c = card("ichiro", "2021-10-04", office=self.office_pk["senriyama"])
        certs("ichiro", c, "2023-10-04")
        # 3. 高橋次郎, 泉町: both certificates valid.
        c = card("jiro", "2023-02-13")
        certs("jiro", c, "2023-02-13")
        # 4. 佐藤美咲: card reported lost -> suspended, signing certificate revoked.
        c = card("misaki", "2022-07-19", status="suspended", office=self.office_pk["esaka"])
        cs = certs("misaki", c, "2023-01-16")
        lost_at = datetime(2026, 11, 16, 10, 12, tzinfo=TOKYO)
        if lost_at > self.now:
            lost_at = self.now - timedelta(days=1)
        c.status_changed_at = lost_at
        self._end_cert(cs["signing"], "revoked", lost_at, REASON_LOSS)
        # 5. 伊藤健 (born 8/17): certificates expiring 2027-08-17.
        c = card("ken", "2022-09-05", office=self.office_pk["yamada"])
        certs("ken", c, "2022-09-05")
        # 6. 渡辺ゆい, 12: a card, no certificate; her mother 渡辺直美 (法定代理人) with her own card.
        card("yui", "2025-07-01", office=self.office_pk["minamisenri"])
        c = card("naomi", "2020-12-01", office=self.office_pk["minamisenri"])
        certs("naomi", c, "2022-12-01")
        #    an adult ward: 中村正男, a card, user certificate only (issued via the guardian).
        c = card("masao", "2023-05-22", office=self.office_pk["minamisenri"])
        certs("masao", c, "2023-05-22", kinds=("user",))
        # 7. 髙橋幸子 (U+9AD9): both certificates valid, the certificate name 高橋 with position 0.
        c = card("sachiko", "2022-11-28", office=self.office_pk["kishibe"])
        certs("sachiko", c, "2022-11-28")
        # fix the few random things: expired/valid by today
        for cert in chunk.certs:
            if cert.status == "valid" and cert.expires_on < self.today:
                self._end_cert(cert, "expired", None)
        for c in chunk.cards:
            if c.status == "active" and c.expires_on < self.today:
                c.status = "expired"


def build_city(**kwargs) -> dict:
    return CityBuilder(**kwargs).build()
