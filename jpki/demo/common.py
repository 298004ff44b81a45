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
