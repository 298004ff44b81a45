"""The 番地 part of an address in the register's form (residents.address): a rule table."""

import pytest

from residents.address import MSG_UNREADABLE, normalize_block

READABLE = [
    # (typed, stored)
    ("1丁目2番3号", "1丁目2番3号"),  # already the register's form
    ("1-2-3", "1丁目2番3号"),
    ("１－２－３", "1丁目2番3号"),  # full-width digits and FULLWIDTH HYPHEN-MINUS
    ("１ー２ー３", "1丁目2番3号"),  # the IME's long vowel mark for a hyphen
    ("1ｰ2ｰ3", "1丁目2番3号"),  # half-width long vowel mark
    ("1‐2‐3", "1丁目2番3号"),  # HYPHEN U+2010
    ("1−2−3", "1丁目2番3号"),  # MINUS SIGN U+2212
    ("1―2―3", "1丁目2番3号"),  # HORIZONTAL BAR U+2015
    ("2-13-40", "2丁目13番40号"),
    ("01-02-03", "1丁目2番3号"),  # leading zeros dropped
    (" 1 - 2 - 3 ", "1丁目2番3号"),  # spaces ignored
    ("1　-　2　-　3", "1丁目2番3号"),  # ideographic spaces
    ("1丁目2-3", "1丁目2番3号"),
    ("１丁目２番３", "1丁目2番3号"),
    ("1丁目2番-3", "1丁目2番3号"),
    ("1丁目-2-3", "1丁目2番3号"),
    ("1丁目2番", "1丁目2番"),
    ("1丁目", "1丁目"),
    ("12番3号", "12番3号"),
    ("12番3", "12番3号"),
    ("12番", "12番"),
    ("123番地", "123番地"),
    ("123番地の4", "123番地の4"),
    ("123番地-4", "123番地の4"),
    ("", ""),
    ("   ", ""),
]


@pytest.mark.parametrize(("typed", "stored"), READABLE)
def test_readable_blocks_are_written_as_the_register_writes_them(typed, stored):
    assert normalize_block(typed) == stored


UNREADABLE = [
    "2-3",  # 2丁目3番 or 2番3号: not guessed
    "1-2-3-405",  # a room number belongs in 方書
    "一丁目二番三号",  # kanji numerals
    "1丁目2番3号405",
    "泉町1-2-3",  # the town belongs in its own field
    "1--2-3",
    "-1-2-3",
    "1-2-3-",
    "0-2-3",  # no 0丁目
    "1-0-3",
    "123456-1-1",  # six digits
    "1丁目2番3号の4",
    "abc",
    "1 2 3",  # spaces alone are no separator (they are removed: 123 is not a block)
]


@pytest.mark.parametrize("typed", UNREADABLE)
def test_unreadable_blocks_are_refused(typed):
    assert normalize_block(typed) is None


def test_the_refusal_shows_the_expected_form():
    assert "1丁目2番3号" in MSG_UNREADABLE
    assert "1-2-3" in MSG_UNREADABLE


def test_none_counts_as_empty():
    assert normalize_block(None) == ""
