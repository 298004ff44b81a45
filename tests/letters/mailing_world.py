"""A printed batch of inquiry letters for the mailing tests (差出票, the tracking-number scan)."""

from __future__ import annotations

import datetime as dt

from jpki import services as jpki_services
from letters import services
from letters.models import MailingBatch
from tests.conftest import at
from tests.factories import CardFactory, ResidentFactory

VISIT1 = at(2026, 11, 24, 10, 5)
BATCH_AT = at(2026, 11, 25, 16, 0)
NAMES = ["髙橋　𠮷太郎", "山﨑　花子", "佐藤　一郎", "鈴木　キヨ", "田中　美咲", "伊藤　健", "渡辺　翔"]


def tracking(seq: int, digits: int = 12) -> str:
    """A valid Japan Post tracking number: the leading digits, then their value modulo 7."""
    body = f"1{seq:0{digits - 2}d}"
    return body + str(int(body) % 7)


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 7)


def visit1(resident, clerk, office):
    """The proxy's first visit (新規発行, both certificates) the letters' tests start from."""
    return jpki_services.proxy_visit1(
        resident=resident,
        actor=clerk,
        reason="代理人による新規発行の申請（1回目）",
        kind="new",
        signing=True,
        user=True,
        proxy_name="山田　太郎",
        proxy_kana="ヤマダ　タロウ",
        proxy_address="大阪府吹田市千里山西1丁目1番1号",
        proxy_birth_date=dt.date(1985, 4, 1),
        relation="子",
        proxy_postal_code="565-0851",
        office=office,
        at=VISIT1,
    )


def proxy_application(clerk, office, i: int):
    resident = ResidentFactory(
        name=NAMES[i % len(NAMES)],
        name_kana="テスト　タロウ",
        postal_code="564-0041",
        address_town="大阪府吹田市泉町",
        address_block=f"2丁目{i + 1}番4号",
        address_building="山﨑ハイツ203号室" if i % 2 == 0 else "",
    )
    CardFactory(resident=resident)
    return visit1(resident, clerk, office)


def printed_batch(clerk, office, n: int = 3) -> MailingBatch:
    """``n`` proxy applications, their letters made and printed in one batch (rendered at once)."""
    for i in range(n):
        proxy_application(clerk, office, i)
    batch = services.mailing_batch_create(actor=clerk, reason="本日分の照会書", office=office, at=BATCH_AT)
    batch.refresh_from_db()
    assert batch.render_state == MailingBatch.RenderState.DONE
    return batch
