"""Unsaved sample rows for specimens and the benchmark (見本). Nothing here touches the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

SAMPLE_NAMES = [
    ("髙橋　一郎", "タカハシ　イチロウ"),
    ("𠮷田　花子", "ヨシダ　ハナコ"),
    ("山﨑　健太", "ヤマザキ　ケンタ"),
    ("森　鷗外", "モリ　オウガイ"),
    ("渡邊　さくら", "ワタナベ　サクラ"),
    ("齋藤　翔", "サイトウ　ショウ"),
]
SAMPLE_ADDRESSES = [
    ("564-0041", "大阪府吹田市泉町", "2丁目17番4号", ""),
    ("565-0862", "大阪府吹田市津雲台", "1丁目2番", "津雲台ハイツ3号棟502号室"),
    ("564-0027", "大阪府吹田市朝日町", "18番1号", "サンプルマンション吹田朝日町1201号室"),
    ("565-0874", "大阪府吹田市古江台", "4丁目1番1号", ""),
]


#: The specimens' worst case: a name with 𠮷, 髙 and an IVS (辻 + U+E0100, the one-dot 辻 of IPAmj明朝) and a
#: 方書 long enough to wrap onto three lines in the envelope window.
SPECIMEN_NAME = ("髙辻\U000e0100　𠮷子", "タカツジ　ヨシコ")
SPECIMEN_ADDRESS = (
    "565-0871",
    "大阪府吹田市山田丘",
    "1丁目1番",
    "グランドメゾン吹田山田丘ステーションフロント・ザ・レジデンス　イーストタワー棟　南ウイング"
    "　第二期分譲住宅　管理組合事務所気付　３０１２号室",
)


def sample_application(
    i: int = 0, *, at: datetime, kind: str = "new", applicant_type: str = "proxy", worst: bool = False
):
    """An unsaved proxy application for sample letter ``i`` and its (unsaved) certificates (``worst``: the
    specimens' rare-character name and three-line 方書)."""
    from django.contrib.auth import get_user_model

    from jpki.models import Application, Card, Certificate, Office, ProxyAuthorization
    from residents.models import Resident

    name, kana = SPECIMEN_NAME if worst else SAMPLE_NAMES[i % len(SAMPLE_NAMES)]
    postal, town, block, building = SPECIMEN_ADDRESS if worst else SAMPLE_ADDRESSES[i % len(SAMPLE_ADDRESSES)]
    office = Office(
        code="main", name="本庁 市民課", kind="main", postal_code="564-8550", address="大阪府吹田市泉町1丁目3番40号"
    )
    resident = Resident(
        name=name,
        name_kana=kana,
        birth_date=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
        sex="male" if i % 2 == 0 else "female",
        postal_code=postal,
        address_town=town,
        address_block=block,
        address_building=building,
    )
    card = Card(
        resident=resident, issued_on=at.date() - timedelta(days=400), expires_on=at.date() + timedelta(days=3000)
    )
    clerk = get_user_model()(username="sample")
    application = Application(
        kind=kind,
        applicant_type=applicant_type,
        resident=resident,
        card=card,
        office=office,
        received_at=at - timedelta(days=1),
        received_by=clerk,
        status="awaiting_letter" if applicant_type == "proxy" else "completed",
        signing_requested=True,
        user_requested=True,
    )
    if applicant_type == "proxy":
        ProxyAuthorization(
            application=application,
            proxy_name="山田　太郎",
            proxy_kana="ヤマダ　タロウ",
            proxy_postal_code="565-0851",
            proxy_address="大阪府吹田市千里山西1丁目1番1号",
            proxy_birth_date=date(1985, 4, 1),
            relation="子",
            visit1_at=at - timedelta(days=1),
            visit1_office=office,
        )
    expires = date(at.year + 5, resident.birth_date.month, min(resident.birth_date.day, 28))
    certificates = [
        Certificate(card=card, kind="signing", serial=f"S{i}", issued_on=at.date(), expires_on=expires),
        Certificate(card=card, kind="user", serial=f"U{i}", issued_on=at.date(), expires_on=expires),
    ]
    return application, certificates
