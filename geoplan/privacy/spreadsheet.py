"""Text cells that a spreadsheet would run: neutralised before any .xlsx is written.

A text beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return
before one) is read by Excel and LibreOffice as a formula: a name such as
``=HYPERLINK("http://…","klikk")`` in ``innspill.navn`` or ``grunnkretsnavn``
would become a live link or a command in the report's workbook (CSV/formula
injection, OWASP). Such texts are written behind a visible ``'`` (as
OWASP recommends), so they stay text: the report's XlsxWriter and openpyxl both
store such a string as a string, never as a formula. Numbers are never touched.
"""

from __future__ import annotations

from typing import Any

__all__ = ["safe_cell", "FORMULA_START"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """``value`` unchanged unless it is a text a spreadsheet would read as a formula;
    then the same text behind a ``'`` (shown, never evaluated)."""
    if isinstance(value, str) and value and (value.startswith(FORMULA_START)
                                             or value.lstrip(" \t\r\n").startswith(FORMULA_START[:4])):
        return "'" + value
    return value
