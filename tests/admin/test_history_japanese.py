"""The history pages in Japanese: django-simple-history's strings from the project's ``locale/ja``
catalogue, field names in the domain's words and values as staff know them."""

import re
from pathlib import Path

import pytest
import simple_history
from django.contrib import admin
from django.urls import reverse

from jpki import services
from jpki.models import Certificate
from tests.admin.conftest import OPEN_NOW

pytestmark = pytest.mark.django_db

# simple-history's English as a supervisor would see it on the list and version pages.
ENGLISH = [
    "View history",
    "Change history",
    "Changed by",
    "Change reason",
    "Date/time",
    ">Object<",
    ">Comment<",
    ">Changes<",
    ">Changed<",
    ">Created<",
    "entries",
    "entry",
    ">Close<",
    "View 電子証明書",
    "doesn't have a change history",
]


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def story(hanako, clerk, supervisor):
    services.certificates_issue(
        resident=hanako, actor=clerk, reason="窓口で新規発行", signing=True, user=True, at=OPEN_NOW
    )
    services.certificates_revoke(
        resident=hanako, actor=clerk, reason="本人の申出により失効", signing=True, user=False, at=OPEN_NOW
    )
    services.resident_change_basic_info(
        resident=hanako, actor=clerk, reason="市内転居", address_block="2丁目1番1号", is_adult_ward=True
    )
    return hanako


def tracked_admins():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ("jpki", "residents", "letters") and hasattr(model_admin, "history_view"):
            yield model, model_admin


def test_every_history_list_and_version_page_is_japanese(supervisor_client, story):
    seen = 0
    for model, _model_admin in tracked_admins():
        obj = model.objects.order_by("pk").first()
        if obj is None:
            continue
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        page = supervisor_client.get(reverse(f"{info}_history", args=[obj.pk]))
        assert page.status_code == 200, model
        text = text_of(page)
        for english in ENGLISH:
            assert english not in text, (model, english)
        for japanese in ("変更履歴", "記録", "日時", "操作", "変更者", "変更理由", "変更内容", "件"):
            assert japanese in text, (model, japanese)
        version = obj.history.order_by("history_id").first()
        page = supervisor_client.get(reverse(f"{info}_simple_history", args=[obj.pk, version.pk]))
        assert page.status_code == 200, model
        text = text_of(page)
        for english in ENGLISH:
            assert english not in text, (model, english)
        assert "過去の版" in text and "変更履歴へ戻る" in text, model  # the read-only version page
        assert "Historical" not in text and "&rsaquo; Jpki" not in text and "› Jpki" not in text, model
        seen += 1
    assert seen >= 5  # resident, card, certificate, application, identity documents or offices at least


def test_certificate_diff_shows_labels_dates_and_statuses(supervisor_client, story):
    cert = Certificate.objects.get(kind="signing")
    text = text_of(supervisor_client.get(f"/admin/jpki/certificate/{cert.pk}/history/"))
    # the status by its choice label, not the stored value
    assert "<strong>状態:</strong> 有効 &nbsp;&rarr;&nbsp;&nbsp;失効" in text
    assert "失効日時:</strong> — &nbsp;&rarr;" in text
    assert "2026年11月25日" in text  # the revocation time in the admin's Japanese date format
    assert ">valid<" not in text and " revoked " not in text
    assert "作成" in text and "変更" in text
    assert "本人の申出により失効" in text


def test_resident_diff_shows_booleans_in_japanese(supervisor_client, story):
    text = text_of(supervisor_client.get(f"/admin/residents/resident/{story.pk}/history/"))
    assert "<strong>成年被後見人:</strong> いいえ &nbsp;&rarr;&nbsp;&nbsp;はい" in text
    assert "<strong>住所（番地）:</strong>" in text and "2丁目1番1号" in text
    assert "False" not in text and "True" not in text


def test_substitution_positions_shown_as_character_ordinals():
    from jpki.admin.history_format import format_value

    assert format_value(Certificate, "substituted_name_positions", [0, 2]) == "1文字目、3文字目"
    assert format_value(Certificate, "substituted_address_positions", []) == "—"
    assert format_value(Certificate, "status", "revoked") == "失効"


def test_catalogue_covers_every_msgid_of_simple_history():
    """Every msgid of the installed django-simple-history (its templates and code) has Japanese."""
    package = Path(simple_history.__file__).parent
    ours = (Path(__file__).resolve().parents[2] / "locale/ja/LC_MESSAGES/django.po").read_text()
    translated = set(re.findall(r'^msgid "(.+)"$', ours, flags=re.M))
    translated |= {m.replace('"\n"', "") for m in re.findall(r'^msgid ""\n((?:".*"\n)+)', ours, flags=re.M)}
    translated = {t.strip('"\n').replace('"\n"', "") for t in translated}
    wanted = set()
    for template in (package / "templates").rglob("*.html"):
        source = template.read_text()
        wanted |= set(re.findall(r"{% trans(?:late)? ['\"](.+?)['\"] %}", source))
        for block in re.findall(r"{% blocktrans(?:late)?[^%]*%}(.*?){% (?:plural|endblocktrans)", source, re.S):
            wanted.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", block))
    for module in ("admin.py", "models.py"):
        wanted |= set(re.findall(r"""_\(\s*['"](.+?)['"]\s*\)""", (package / module).read_text()))
    wanted = {w.replace('\\"', '"') for w in wanted}
    missing = {w for w in wanted if w.replace('"', '\\"') not in translated}
    assert not missing
