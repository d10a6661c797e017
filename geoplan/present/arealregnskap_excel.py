"""The arealregnskap as an Excel workbook laid out like the guideline's tables.

One sheet per table of :data:`geoplan.analysis.arealregnskap.TABLES` (tidy rows, codes and
names side by side, unrounded areas in daa: ready for a pivot table or Power BI, as the
guideline's technical manual does), the transition table also as a matrix (in force in
rows, proposed in columns, with the sums), and a sheet with the closure checks. Text
that Excel would read as a formula (starting with ``=``, ``+``, ``-`` or ``@``) is
written as text. The file is written atomically.
"""

from __future__ import annotations

import io

import pandas as pd

from geoplan.analysis.arealregnskap import TABLES
from geoplan.io.writers import write_bytes_atomic

FORMULA_START = ("=", "+", "-", "@")


def transition_matrix(long: pd.DataFrame) -> pd.DataFrame:
    """The transition table as a matrix: rows in force, columns proposed, with sums (daa)."""
    m = long.pivot_table(index=["gjeldende_kode", "gjeldende_navn"],
                         columns=["forslag_kode", "forslag_navn"], values="areal_daa",
                         aggfunc="sum", fill_value=0.0)
    m.columns = [f"{c} {n}" for c, n in m.columns]
    m["Sum gjeldende"] = m.sum(axis=1)
    m = m.reset_index()
    total = {c: m[c].sum() for c in m.columns if c not in ("gjeldende_kode", "gjeldende_navn")}
    return pd.concat([m, pd.DataFrame([{"gjeldende_kode": None, "gjeldende_navn": "Sum forslag",
                                        **total}])], ignore_index=True)


def _write_sheet(ws, df: pd.DataFrame) -> None:
    from openpyxl.styles import Font
    ws.append([str(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and v != v) else
                   (v.item() if hasattr(v, "item") else v) for v in row])
    for r in ws.iter_rows(min_row=1):
        for cell in r:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = "s"   # text, never a formula
                cell.quotePrefix = True
    ws.freeze_panes = "A2"


def workbook_bytes(res) -> bytes:
    """The workbook of an :class:`~geoplan.analysis.arealregnskap.ArealregnskapResult`."""
    from openpyxl import Workbook
    wb = Workbook()
    wb.remove(wb.active)
    for tid in TABLES:
        if tid not in res.tables:
            continue
        _write_sheet(wb.create_sheet(tid[:31]), res.tables[tid])
        if tid == "overgang":
            _write_sheet(wb.create_sheet("overgang_matrise"), transition_matrix(res.tables[tid]))
    info = pd.DataFrame([{"tabell": tid, "tittel": t, "veilederen": ch} for tid, (t, ch) in TABLES.items()
                         if tid in res.tables])
    _write_sheet(wb.create_sheet("innhold"), info)
    _write_sheet(wb.create_sheet("kontroll"), pd.DataFrame(
        [{"kontroll": k, "verdi": v} for k, v in res.kontroll.items()]))
    if res.notes:
        _write_sheet(wb.create_sheet("merknader"), pd.DataFrame({"merknad": res.notes}))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_workbook(res, path) -> None:
    """Write the workbook to ``path`` atomically."""
    write_bytes_atomic(path, workbook_bytes(res))
