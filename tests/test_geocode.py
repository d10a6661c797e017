"""geoplan geocode: the housing office's list against Kartverket's address register.

The register is a real extract of «Matrikkelen - Adresse» (tests/data/products/README.md);
expected coordinates are read from that CSV with the csv module, not from geoplan.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geoplan.config.geocode import GeocodeSettings
from geoplan.errors import UnreadableInput
from geoplan.io.geocode import (
    apply_corrections,
    geocode_list,
    read_address_register,
    read_housing_list,
    resolve_columns,
)
from geoplan.io.geocode.names import canonical, parse_address
from geoplan.present.cli.main import main

DATA = Path(__file__).parent / "data" / "products"
REGISTER = DATA / "adresser" / "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip"
SYNTH = DATA / "adresser" / "adresser_syntetisk_3909.csv"
LIST = DATA / "boligkontoret" / "kommunale_boliger.xlsx"
S = GeocodeSettings.from_config()


def _register_rows() -> dict[str, dict]:
    """adresseTekst -> row, read independently of geoplan."""
    with zipfile.ZipFile(REGISTER) as zf:
        text = zf.read(zf.namelist()[-1]).decode("utf-8-sig")
    return {r["adresseTekst"]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}


@pytest.fixture(scope="module")
def result():
    df = read_housing_list(LIST)
    reg = read_address_register(REGISTER, S)
    return geocode_list(df, reg, S, resolve_columns(df, S))


def test_every_row_is_accounted_for(result):
    rows = result.rows
    assert len(rows) == 16 and list(rows["rad"]) == list(range(2, 18))
    assert result.counts() == {"eksakt": 8, "rettet": 4, "ikke funnet": 3, "ugyldig": 1}


def test_exact_rows_sit_on_the_registers_coordinates(result):
    reg = _register_rows()
    rows = result.rows.set_index("rad")
    for rad, text in ((2, "Tyrihansveien 38"), (3, "Tyrihansveien 36"), (6, "Vardåsveien 110B"),
                      (7, "Vardåsveien 110B"), (11, "Tyrihansveien 28")):
        assert rows.at[rad, "status"] == "eksakt", rad
        assert rows.at[rad, "x"] == pytest.approx(float(reg[text]["Øst"]))
        assert rows.at[rad, "y"] == pytest.approx(float(reg[text]["Nord"]))


def test_corrections_are_stated(result):
    rows = result.rows.set_index("rad")
    assert rows.at[4, "funnet_adresse"] == "Vardåsveien 115"            # aa for å
    assert rows.at[5, "funnet_adresse"] == "Tyrihansveien 34"           # vn. for veien
    assert rows.at[10, "funnet_adresse"] == "Tyrihansveien 30"          # a misspelling
    for rad in (4, 5, 10):
        assert rows.at[rad, "status"] == "rettet" and "tolket som" in rows.at[rad, "merknad"]


def test_property_with_two_addresses_is_placed_between_them(result):
    reg = _register_rows()
    row = result.rows.set_index("rad").loc[12]
    assert row["status"] == "rettet" and "2 adresser" in row["merknad"]
    xs = [float(reg[t]["Øst"]) for t in ("Vardåsveien 107", "Vardåsveien 107A")]
    assert row["x"] == pytest.approx(sum(xs) / 2)     # 91 809,745


def test_addresses_that_do_not_exist_are_listed_with_candidates(result):
    rows = result.rows.set_index("rad")
    missing = rows[rows["status"] == "ikke funnet"]
    assert list(missing.index) == [13, 14, 15]
    assert missing.loc[14, "kandidater"].startswith("Tyrihansveien 44")
    assert "Vardåsveien 152" in missing.loc[15, "kandidater"]
    assert rows.at[16, "status"] == "ugyldig" and "tre" in rows.at[16, "merknad"]


def test_units_on_one_address_become_one_point(result):
    layer = result.layer.set_index("adresse")
    assert layer.at["Vardåsveien 108A", "antall_enheter"] == 2         # H0101 + H0102
    assert layer.at["Vardåsveien 110B", "antall_enheter"] == 2         # «110 B» and «110b»
    assert int(result.layer["antall_enheter"].sum()) == 1 + 1 + 2 + 1 + 2 + 2 + 1 + 1 + 4 + 3


def test_street_words_and_letters():
    words = S.street_words
    assert canonical("Kongens gt.", words) == canonical("Kongens gate", words)
    assert canonical("Storgt.", words) == canonical("Storgata", words)
    assert canonical("Tyrihansvn.", words) == canonical("Tyrihansveien", words)
    assert canonical("Hov", words) == "hov"
    assert parse_address("Vardåsveien 110 b, 4638 Kristiansand") == parse_address("Vardåsveien 110B")
    assert parse_address("Storgata") is None


def test_gate_abbreviations_and_a_missing_letter(tmp_path):
    p = tmp_path / "liste.csv"
    p.write_text("Gatenavn;Husnr;Kategori\nKongens gt.;5B;Ordinær\nStorgt.;3;Ordinær\n"
                 "Torstrandsgata;2 ;Ordinær\nKongens gate;5;Ordinær\n", encoding="utf-8")
    df = read_housing_list(p)
    reg = read_address_register(SYNTH, S)
    res = geocode_list(df, reg, S, resolve_columns(df, S))
    assert list(res.rows["funnet_adresse"]) == ["Kongens gate 5B", "Storgata 3", "Torstrandsgata 2",
                                               "Kongens gate 5"]
    assert list(res.rows["status"]) == ["rettet", "rettet", "eksakt", "eksakt"]
    assert "Antall" not in df.columns and any("én enhet" in n for n in res.notes)


def test_explicit_columns_and_errors(tmp_path):
    p = tmp_path / "liste.csv"
    p.write_text("Bolig,Type\nVardåsveien 123,Bofellesskap\n", encoding="utf-8")
    df = read_housing_list(p)
    with pytest.raises(UnreadableInput, match="--column adresse"):
        resolve_columns(df, S)
    roles = resolve_columns(df, S, {"adresse": "Bolig", "kategori": "Type"})
    res = geocode_list(df, read_address_register(REGISTER, S), S, roles)
    assert res.counts()["eksakt"] == 1 and res.layer.iloc[0]["kategori"] == "Bofellesskap"
    with pytest.raises(UnreadableInput, match="finnes ikke i listen"):
        resolve_columns(df, S, {"adresse": "Adr"})
    with pytest.raises(UnreadableInput, match="adresseregister"):
        read_address_register(p, S)
    with pytest.raises(UnreadableInput, match="ingen adresser i kommune 3909"):
        read_address_register(REGISTER, S, kommune="3909")


def test_cli_writes_a_layer_check_accepts_and_every_row(tmp_path, capsys):
    out = tmp_path / "kommunal_bolig.gpkg"
    rc = main(["geocode", str(LIST), "--adresser", str(REGISTER), "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 1                      # three rows not found, one unusable
    assert "ikke funnet:" in text and "rad 13" in text and "Tyrihansveien 44" in text
    layer = gpd.read_file(out, layer="kommunal_bolig")
    assert len(layer) == 10 and layer.crs.to_epsg() == 25833
    table = pd.read_csv(tmp_path / "kommunal_bolig_geokoding.csv", sep=";", encoding="utf-8-sig")
    assert len(table) == 16
    assert main(["check", str(out), "--json"]) == 0     # missing layers are no problem for check
    report = json.loads(capsys.readouterr().out)
    lag = {x["navn"]: x for x in report["lag"]}
    assert lag["kommunal_bolig"]["status"] == "ok" and lag["kommunal_bolig"]["antall_beholdt"] == 10


def test_cli_refuses_to_overwrite_its_input(tmp_path, capsys):
    p = tmp_path / "liste.xlsx"
    p.write_bytes(LIST.read_bytes())
    rc = main(["geocode", str(p), "--adresser", str(REGISTER), "--out", str(p)])
    assert rc == 2 and "inndatafilene" in capsys.readouterr().err
    assert p.read_bytes() == LIST.read_bytes()


def test_corrections_from_the_app_are_matched_again(result):
    df = read_housing_list(LIST)
    roles = resolve_columns(df, S)
    fixed, roles2 = apply_corrections(df, roles, {13: "Vardåsveien 144", 14: "  "})
    res = geocode_list(fixed, read_address_register(REGISTER, S), S, roles2)
    rows = res.rows.set_index("rad")
    assert rows.at[13, "status"] == "eksakt" and rows.at[13, "funnet_adresse"] == "Vardåsveien 144"
    assert rows.at[14, "status"] == "ikke funnet"                  # an empty correction changes nothing
    assert df.iloc[11]["Adresse"] == "Storgata 1"                   # the original list is untouched
    split = read_housing_list(DATA / "boligkontoret" / "kommunale_boliger_gatenavn.csv")
    fixed, roles3 = apply_corrections(split, resolve_columns(split, S), {5: "Tyrihansveien 14"})
    res = geocode_list(fixed, read_address_register(REGISTER, S), S, roles3)
    assert list(res.rows["status"]) == ["eksakt", "eksakt", "rettet", "eksakt"]


def test_cli_with_another_municipalitys_register_writes_only_the_row_table(tmp_path, capsys):
    out = tmp_path / "kommunal_bolig.gpkg"
    rc = main(["geocode", str(LIST), "--adresser", str(SYNTH), "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 1 and not out.exists() and "ingen GeoPackage" in text
    table = pd.read_csv(tmp_path / "kommunal_bolig_geokoding.csv", sep=";", encoding="utf-8-sig")
    assert len(table) == 16 and set(table["status"]) == {"ikke funnet"}


_ENGLISH = ("Error tokenizing", "C error", "Expected", "fields in line", "Worksheet", "not found",
            "No sheet")


def test_a_list_with_a_broken_row_names_the_line_in_norwegian(tmp_path):
    p = tmp_path / "liste.csv"
    p.write_text("adresse;enheter;kategori\nStorgata 1;2;utleie\nStorgata 2;1;utleie;x;y\n",
                 encoding="utf-8")
    with pytest.raises(UnreadableInput) as e:
        read_housing_list(p)
    assert "liste.csv" in e.value.message and "ved linje 3" in e.value.message, e.value.message
    assert not any(w in e.value.message for w in _ENGLISH), e.value.message


def test_a_sheet_that_is_not_there_is_named_with_the_sheets_there():
    with pytest.raises(UnreadableInput) as e:
        read_housing_list(LIST, sheet="Finnes ikke")
    msg = e.value.message
    from openpyxl import load_workbook
    first = load_workbook(LIST, read_only=True).sheetnames[0]
    assert "«Finnes ikke»" in msg and f"«{first}»" in msg and "--sheet" in msg, msg
    assert not any(w in msg for w in _ENGLISH), msg
