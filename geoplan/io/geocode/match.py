"""Matching each row of a dwelling list to one address of the register.

Every row ends in one of four states, and none is dropped:

* ``eksakt`` -- the address (or gnr/bnr) is in the register as written, up to case and spacing;
* ``rettet`` -- found after a correction the row's note states (æ/ø/å as ae/oe/aa, «gt.» for
  «gate», «vn.» for «veien», a misspelt name above the configured similarity, a letter the
  number has only one of, several addresses on one property in the same grunnkrets);
* ``ikke funnet`` -- not in the register; the note lists the closest candidates;
* ``ugyldig`` -- the row cannot be used as it stands (no address, a count that is not a number).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd

from geoplan.config.geocode import GeocodeSettings
from geoplan.io.geocode.names import ParsedAddress, canonical, literal, parse_address, parse_house_number
from geoplan.io.geocode.register import AddressRegister

STATUSES = ("eksakt", "rettet", "ikke funnet", "ugyldig")


@dataclass
class Match:
    """The outcome for one row: status, the register row (``pos``), what was corrected."""

    status: str
    pos: list[int]
    note: str = ""
    candidates: str = ""


def _cell(row: pd.Series, roles: dict[str, str], role: str) -> str:
    col = roles.get(role)
    if col is None:
        return ""
    v = row[col]
    return "" if pd.isna(v) else str(v).strip()


# ---------------------------------------------------------------------------
# Street names
# ---------------------------------------------------------------------------

def _street(reg: AddressRegister, name: str, s: GeocodeSettings) -> tuple[list[str], str]:
    """The register's street(s) for ``name`` and the correction made ('' when exact)."""
    exact = reg.by_literal.get(literal(name))
    if exact:
        return exact, ""
    key = canonical(name, reg.street_words)
    same = reg.by_canonical.get(key)
    if same:
        return same, (f"gatenavnet «{name}» er tolket som «{same[0]}»" if len(same) == 1 else "")
    scored = sorted(((difflib.SequenceMatcher(None, key, k).ratio(), k) for k in reg.by_canonical),
                    reverse=True)
    if not scored:
        return [], ""
    best, second = scored[0][0], (scored[1][0] if len(scored) > 1 else 0.0)
    if best >= s.fuzzy_min_ratio and best - second >= s.fuzzy_margin:
        names = reg.by_canonical[scored[0][1]]
        if len(names) == 1:
            pct = f"{best * 100:.0f}".replace(".", ",")
            return names, (f"gatenavnet «{name}» finnes ikke; tolket som «{names[0]}» "
                           f"(likhet {pct} %)")
    return [], ""


def _similar_streets(reg: AddressRegister, name: str, n: int) -> list[str]:
    key = canonical(name, reg.street_words)
    scored = sorted(((difflib.SequenceMatcher(None, key, k).ratio(), k) for k in reg.by_canonical),
                    reverse=True)
    return [nm for _r, k in scored[:n] for nm in reg.by_canonical[k]][:n]


def _near_numbers(reg: AddressRegister, street: str, number: int, n: int) -> list[int]:
    """The register rows of ``street`` with house numbers closest to ``number``."""
    items = sorted(reg.numbers[street].items(), key=lambda kv: (abs(kv[0][0] - number), kv[0]))
    return [p for _k, ps in items[:n] for p in ps[:1]]


def _labels(reg: AddressRegister, positions: list[int]) -> str:
    return "; ".join(reg.label(p) for p in positions)


# ---------------------------------------------------------------------------
# One row
# ---------------------------------------------------------------------------

def _number(reg: AddressRegister, streets: list[str], addr: ParsedAddress,
            s: GeocodeSettings) -> Match:
    """The house number (and letter) on the matched street(s)."""
    hits = [p for st in streets for p in reg.numbers[st].get((addr.number or 0, addr.letter), [])]
    if len(hits) == 1:
        return Match("eksakt", hits)
    if len(hits) > 1:
        return Match("ikke funnet", [], "adressen finnes i flere kommuner i adresseregisteret; "
                     "oppgi kommunen (--kommune)", _labels(reg, hits[: s.candidates]))
    if not addr.letter and len(streets) == 1:
        lettered = [k for k in reg.numbers[streets[0]] if k[0] == addr.number]
        if len(lettered) == 1:
            pos = reg.numbers[streets[0]][lettered[0]]
            return Match("rettet", pos[:1], f"nummer {addr.number} finnes bare som "
                         f"{addr.number}{lettered[0][1]}; bokstaven er lagt til")
    near = [p for st in streets for p in _near_numbers(reg, st, addr.number or 0, s.candidates)]
    what = f"{addr.number}{addr.letter}"
    return Match("ikke funnet", [], f"husnummer {what} finnes ikke i «{streets[0]}»",
                 _labels(reg, near[: s.candidates]))


def _by_address(reg: AddressRegister, addr: ParsedAddress, s: GeocodeSettings) -> Match:
    streets, correction = _street(reg, addr.name, s)
    if not streets:
        similar = _similar_streets(reg, addr.name, s.candidates)
        cands = []
        for st in similar:
            near = _near_numbers(reg, st, addr.number or 0, 1)
            cands.extend(near)
        return Match("ikke funnet", [], f"gatenavnet «{addr.name}» finnes ikke i adresseregisteret",
                     _labels(reg, cands))
    if len(streets) > 1:
        return Match("ikke funnet", [], f"«{addr.name}» kan være flere gater",
                     "; ".join(streets[: s.candidates]))
    m = _number(reg, streets, addr, s)
    if correction and m.status == "eksakt":
        return Match("rettet", m.pos, correction)
    if correction:
        m.note = "; ".join(x for x in (correction, m.note) if x)
    return m


def _by_property(reg: AddressRegister, gnr: int, bnr: int, fnr: int | None,
                 s: GeocodeSettings) -> Match:
    hits = reg.by_property.get((gnr, bnr), [])
    f = reg.frame
    if fnr is not None:
        hits = [p for p in hits if f.at[p, "fnr"] is not pd.NA and f.at[p, "fnr"] == fnr]
    what = f"gnr/bnr {gnr}/{bnr}" + (f"/{fnr}" if fnr is not None else "")
    if not hits:
        same_gnr = sorted((k for k in reg.by_property if k[0] == gnr), key=lambda k: abs(k[1] - bnr))
        cands = [f"{g}/{b} ({reg.label(reg.by_property[(g, b)][0])})" for g, b in same_gnr[: s.candidates]]
        return Match("ikke funnet", [], f"{what} har ingen adresse i adresseregisteret", "; ".join(cands))
    if len(hits) == 1:
        return Match("eksakt", hits)
    kretser = {f.at[p, "grunnkretsnummer"] for p in hits}
    if len(kretser) == 1:
        return Match("rettet", hits, f"{what} har {len(hits)} adresser ({_labels(reg, hits[:4])}); "
                     "punktet er satt midt mellom dem (samme grunnkrets)")
    return Match("ikke funnet", [], f"{what} har {len(hits)} adresser i ulike grunnkretser; "
                 "oppgi adressen", _labels(reg, hits[: s.candidates]))


def _address_of(row: pd.Series, roles: dict[str, str]) -> ParsedAddress | None:
    if "adresse" in roles and _cell(row, roles, "adresse"):
        addr = parse_address(_cell(row, roles, "adresse"))
        if addr and not addr.letter and _cell(row, roles, "bokstav"):
            addr = ParsedAddress(addr.name, addr.number, _cell(row, roles, "bokstav").upper(), addr.unit)
        return addr
    name, house = _cell(row, roles, "gatenavn"), _cell(row, roles, "husnr")
    if name and house:
        nr, letter = parse_house_number(house)
        letter = letter or _cell(row, roles, "bokstav").upper()
        return ParsedAddress(name, nr, letter, "") if nr is not None else None
    return None


def _int_or_none(text: str) -> int | None:
    t = text.strip()
    if t.endswith(".0"):
        t = t[:-2]
    return int(t) if t.isdigit() else None


def match_row(row: pd.Series, roles: dict[str, str], reg: AddressRegister,
              s: GeocodeSettings) -> Match:
    """Match one row: by address when it has one, else (or when that fails) by gnr/bnr."""
    addr = _address_of(row, roles)
    gnr, bnr = _int_or_none(_cell(row, roles, "gnr")), _int_or_none(_cell(row, roles, "bnr"))
    fnr = _int_or_none(_cell(row, roles, "fnr")) if _cell(row, roles, "fnr") else None
    written = _cell(row, roles, "adresse") or " ".join(
        x for x in (_cell(row, roles, "gatenavn"), _cell(row, roles, "husnr")) if x)
    m = _by_address(reg, addr, s) if addr else None
    if m is not None and m.status != "ikke funnet":
        return m
    if gnr is not None and bnr is not None:
        pm = _by_property(reg, gnr, bnr, fnr, s)
        if m is not None and pm.status != "ikke funnet":
            pm.status = "rettet"
            pm.note = "; ".join(x for x in (f"adressen fantes ikke ({m.note})",
                                           "plassert etter gnr/bnr", pm.note) if x)
        return pm if m is None or pm.status != "ikke funnet" else m
    if m is not None:
        return m
    if written:
        return Match("ugyldig", [], f"«{written}» har ikke gatenavn og husnummer; skriv f.eks. "
                     "«Storgata 12B», eller oppgi gnr og bnr")
    return Match("ugyldig", [], "raden har verken adresse eller gnr/bnr")
