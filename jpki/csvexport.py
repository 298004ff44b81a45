"""CSV cells that a spreadsheet cannot run (CSV/formula injection, OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some versions, a tab or a carriage return before one of those) as a formula: a proxy's name
``=HYPERLINK(...)`` in the audit CSV would run on the supervisor's PC. Every CSV export of the
project writes its rows through :func:`csv_row` (or :func:`safe_cell`), which prefixes such a cell
with an apostrophe, the spreadsheet's own "this is text" mark. Numbers and dates written by the
code itself (ids, ``2026-11-25``) do not start with one of those characters and are unchanged;
a negative number written as a Python ``int`` stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable

# The characters OWASP lists; a full-width ＝＋－＠ is not a formula in any spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def safe_cell(value) -> str:
    """``value`` as CSV cell text: ``None`` is empty, text that a spreadsheet would evaluate starts
    with ``'``. Integers and floats are written as they are (a negative amount stays a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return ESCAPE + text
    return text


def csv_row(values: Iterable) -> list[str]:
    """One CSV row, every cell through :func:`safe_cell` (pass it to ``csv.writer.writerow``)."""
    return [safe_cell(v) for v in values]


__all__ = ["ESCAPE", "FORMULA_PREFIXES", "csv_row", "safe_cell"]
