"""Table tests for residents.normalize: the search keys of names, kana and addresses (pure, no database)."""

import pytest

from residents.normalize import given_part, search_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ""),
        ("", ""),
        # hiragana, katakana and half-width katakana give the same key
        ("やまだ", "ヤマダ"),
        ("ヤマダ", "ヤマダ"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
        ("ｶﾞｸﾎﾟｰ", "ガクポー"),
        # full-width ASCII becomes ASCII, Latin letters upper case
        ("ＳＭＩＴＨ　Ｊｏｈｎ", "SMITHJOHN"),
        ("smith john", "SMITHJOHN"),
        ("１丁目２番", "1丁目2番"),
        # every kind of blank is removed, wherever it is
        ("山田 太郎", "山田太郎"),
        ("山田\u3000太郎", "山田太郎"),
        ("山田\t太郎", "山田太郎"),
        ("山田\r\n太郎", "山田太郎"),
        (" \u3000やまだ たろう\u3000 ", "ヤマダタロウ"),
        # kanji stay as they are
        ("髙橋", "髙橋"),
    ],
)
def test_search_key(text, expected):
    assert search_key(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (None, ""),
        ("", ""),
        ("山田太郎", ""),  # no space: no given name to tell apart
        ("山田\u3000太郎", "太郎"),
        ("山田 太郎", "太郎"),
        ("ヤマダ\u3000タロウ", "タロウ"),
        # only the first space separates: the rest belongs to the given name
        ("SMITH JOHN PAUL", "JOHN PAUL"),
        ("スミス\u3000ジョン\u3000ポール", "ジョン\u3000ポール"),
        # the full-width space wins over half-width ones in the family name
        ("デ ラ クルス\u3000マリア", "マリア"),
        # letters at either end of the given name are the name's own
        ("SMITH XAVIER", "XAVIER"),
        ("LOPEZ MAX", "MAX"),
        # blanks around the given name are trimmed
        ("山田\u3000 太郎 \u3000", "太郎"),
        ("山田 \u3000太郎", "太郎"),
    ],
)
def test_given_part(name, expected):
    assert given_part(name) == expected
