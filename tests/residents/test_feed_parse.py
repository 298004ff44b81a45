"""Reading and checking the register feed file (INTAKE.md): encodings, line ends, the header, and
every refusal with its line number (the header is line 1) and a Japanese reason."""

import datetime as dt

import pytest

from residents.feed import COLUMNS, parse_feed
from residents.safety import individual_number_check_digit

TODAY = dt.date(2026, 12, 1)
pytestmark = pytest.mark.django_db  # the substitution table (代替文字) is read once per file
HEADER = ",".join(COLUMNS)
BASE = {
    "event_id": "E1",
    "event": "move_in",
    "effective_on": "2026-11-20",
    "resident_key": "K1",
    "name": "山田　花子",
    "name_kana": "ヤマダ　ハナコ",
    "alias": "",
    "alias_kana": "",
    "birth_date": "1985-06-01",
    "sex": "2",
    "postal_code": "564-0041",
    "address_town": "大阪府吹田市泉町",
    "address_block": "2丁目5番12号",
    "address_building": "",
    "status_of_residence": "",
    "period_of_stay_ends_on": "",
}


def line(**over):
    values = {**BASE, **over}
    return ",".join(values[c] for c in COLUMNS)


def parse(*lines, header=HEADER, encoding="utf-8", end="\n", codec="utf-8"):
    text = end.join([header, *lines]) + end
    return parse_feed(text.encode(codec), encoding=encoding, today=TODAY)


def test_a_clean_row_becomes_a_typed_event():
    parsed = parse(line(postal_code="5640041"))
    assert parsed.ok and parsed.rows == 1
    event = parsed.events[0]
    assert (event.line, event.kind, event.effective_on, event.resident_key) == (
        2,
        "move_in",
        dt.date(2026, 11, 20),
        "K1",
    )
    assert event.snapshot["sex"] == "female"
    assert event.snapshot["postal_code"] == "564-0041"
    assert event.snapshot["birth_date"] == dt.date(1985, 6, 1)


def test_crlf_bom_and_cp932():
    crlf = parse(line(), line(event_id="E2"), end="\r\n")
    assert crlf.ok and [e.line for e in crlf.events] == [2, 3]
    bom = parse_feed(b"\xef\xbb\xbf" + (HEADER + "\n" + line() + "\n").encode(), today=TODAY)
    assert bom.ok and bom.events[0].event_id == "E1"
    cp932 = parse(line(name="髙橋　一郎"), encoding="cp932", codec="cp932", end="\r\n")
    assert cp932.ok and cp932.events[0].snapshot["name"] == "髙橋　一郎"


def test_cp932_read_as_utf8_is_refused_with_its_line():
    data = (HEADER + "\n" + line() + "\n").encode() + (line(event_id="E2") + "\n").encode("cp932")
    parsed = parse_feed(data, today=TODAY)
    assert [(r.line, "UTF-8 として読めない" in r.reason) for r in parsed.refusals] == [(3, True)]


def test_columns_in_any_order():
    columns = list(reversed(COLUMNS))
    values = [BASE[c] for c in columns]
    parsed = parse(",".join(values), header=",".join(columns))
    assert parsed.ok and parsed.events[0].snapshot["name"] == "山田　花子"


def test_unknown_and_missing_columns_refused_at_line_1():
    parsed = parse(line(), header=HEADER.replace("address_block", "adress_block"))
    assert [r.line for r in parsed.refusals] == [1, 1]
    assert "不明な列があります: adress_block" in parsed.refusals[0].reason
    assert "必要な列がありません: address_block" in parsed.refusals[1].reason
    assert parsed.events == []


def test_empty_file_refused():
    assert parse_feed(b"", today=TODAY).refusals[0].line == 1
    assert "データ行がありません" in parse().refusals[0].reason


def individual_number():
    first = "12345678901"
    return first + str(individual_number_check_digit(first))


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"birth_date": "1985/06/01"}, "生年月日（birth_date）が正しくありません（YYYY-MM-DD）"),
        ({"effective_on": "2026-02-30"}, "存在しない日付"),
        ({"effective_on": "2027-01-01"}, "異動日（effective_on）が未来の日付です"),
        ({"birth_date": "2027-01-01", "effective_on": "2026-11-01"}, "生年月日（birth_date）が未来の日付です"),
        ({"sex": "3"}, "性別コード（sex）は 1（男）または 2（女）です"),
        ({"sex": "M"}, "性別コード"),
        ({"name": ""}, "必須項目 name が空です"),
        ({"name_kana": ""}, "必須項目 name_kana が空です"),
        ({"event_id": ""}, "event_id（異動の識別子）がありません"),
        ({"event_id": "X" * 41}, "40文字まで"),
        ({"effective_on": ""}, "必須項目 effective_on が空です"),
        ({"address_town": ""}, "必須項目 address_town が空です"),
        ({"postal_code": ""}, "必須項目 postal_code が空です"),
        ({"resident_key": ""}, "resident_key（宛名番号）がありません"),
        ({"resident_key": individual_number()}, "resident_key が個人番号（マイナンバー）です"),
        ({"resident_key": "ABC-123"}, "英数字15文字まで"),
        ({"resident_key": "A" * 16}, "英数字15文字まで"),
        ({"postal_code": "564-041"}, "郵便番号（postal_code）は NNN-NNNN または NNNNNNN です"),
        ({"postal_code": "５６４-００４１"}, "郵便番号"),
        ({"event": "marriage"}, "異動の種類「marriage」は不明です"),
        ({"event": ""}, "event（異動の種類）がありません"),
        ({"event": "stay_update"}, "在留期間更新ですが在留資格・在留期間の満了日がありません"),
        ({"period_of_stay_ends_on": "2030-13-01"}, "在留期間の満了日（period_of_stay_ends_on）が正しくありません"),
        ({"address_building": "メモ" + individual_number()}, "個人番号"),
        ({"name": "山田\x07花子"}, "制御文字"),
        ({"effective_on": "1980-01-01"}, "異動日（effective_on）が生年月日より前です"),
    ],
)
def test_every_refusal_has_its_line_and_a_japanese_reason(over, reason):
    parsed = parse(line(event_id="OK1", resident_key="K0"), line(**over))
    assert [r.line for r in parsed.refusals] == [3]
    assert reason in parsed.refusals[0].reason
    assert [e.event_id for e in parsed.events] == ["OK1"]


def test_a_12_digit_key_without_the_check_digit_is_a_key():
    first = "12345678901"
    wrong = (individual_number_check_digit(first) + 1) % 10
    parsed = parse(line(resident_key=first + str(wrong)))
    assert parsed.ok


def test_departed_rows_need_no_address():
    parsed = parse(line(event="death", postal_code="", address_town="", address_block=""))
    assert parsed.ok and parsed.events[0].snapshot["address_town"] == ""


def test_duplicate_event_id_refused_at_the_second_line():
    parsed = parse(line(), line(resident_key="K2"))
    assert [(r.line, r.reason) for r in parsed.refusals] == [(3, "event_id「E1」が 2 行目と重複しています。")]


def test_wrong_number_of_fields_and_bad_quotes():
    parsed = parse(line() + ",extra")
    assert parsed.refusals[0].line == 2 and "列の数が見出しと違います" in parsed.refusals[0].reason
    quoted = parse(line(event_id="E0"), line().replace("山田　花子", '"山田"　花子'))
    assert [r.line for r in quoted.refusals] == [3]


def test_quoted_field_with_comma_and_a_multiline_field_keep_line_numbers():
    parsed = parse(
        line(address_building='"泉ハイツ, 101"'),
        line(event_id="E2", address_building='"泉\nハイツ"'),
        line(event_id="E3", sex="9"),
    )
    assert parsed.events[0].snapshot["address_building"] == "泉ハイツ, 101"
    assert [(r.line, "改行" in r.reason) for r in parsed.refusals] == [(3, True), (5, False)]


def test_blank_lines_are_skipped_but_counted():
    parsed = parse(line(), "", line(event_id="E2", sex="x"))
    assert [r.line for r in parsed.refusals] == [4]


def test_characters_for_substitutes_and_fonts_are_listed_not_refused():
    parsed = parse(line(name="髙橋　𠮷子", address_block="1丁目2番3号"))
    assert parsed.ok
    note = parsed.characters[0]
    assert note["field"] == "氏名" and note["line"] == 2
    assert [(s["char"], s["substitute"]) for s in note["substitutes"]] == [("髙", "高"), ("𠮷", "吉")]


def test_duplicate_of_a_refused_row_is_refused_too():
    parsed = parse(line(sex="9"), line(resident_key="K2"))
    assert [r.line for r in parsed.refusals] == [2, 3]
    assert "2 行目と重複" in parsed.refusals[1].reason
