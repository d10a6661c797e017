"""SOSI ``...KOORDSYS`` codes -> EPSG, as Kartverket's SOSI standard numbers them.

Every EUREF89 UTM zone and every NGO 1948 axis is mapped; the other codes are
refused by name (a Norwegian sentence that says which system the file uses), so
that a file in ED50 or a local system is never read as if it were UTM.
"""

from __future__ import annotations

#: KOORDSYS -> (EPSG, Norwegian name)
KOORDSYS_EPSG: dict[int, tuple[int, str]] = {
    **{k: (27390 + k, f"NGO1948 Gauss-Krüger akse {k}") for k in range(1, 9)},
    9: (4273, "NGO1948 geografisk"),
    **{k: (25810 + k, f"EUREF89 UTM sone {k + 10}") for k in range(21, 27)},
    84: (4258, "EUREF89 geografisk"),
    # SOSI 4.5: EUREF89 NTM (Norwegian Transverse Mercator) zones 5-30 as 205-230
    **{k: (4900 + k, f"EUREF89 NTM sone {k - 200}") for k in range(205, 231)},
}

#: codes that are known but not accepted, with their name
KOORDSYS_REFUSED: dict[int, str] = {
    **{k: f"ED50 UTM sone {k}" for k in range(31, 37)},
    50: "ED50 geografisk",
    72: "WGS72 geografisk",
    87: "ED87 geografisk",
}


def koordsys_epsg(code: str | int | None) -> tuple[int | None, str]:
    """``(EPSG or None, what to say)`` for a KOORDSYS value.

    ``None`` with a Norwegian reason when the code is missing, not a number, or
    names a system geoplan does not transform from (ED50, local systems).
    """
    if code is None or str(code).strip() == "":
        return None, ("SOSI-hodet oppgir ikke koordinatsystem (...KOORDSYS mangler). Oppgi det med "
                      "--crs, f.eks. --crs 25832.")
    try:
        k = int(str(code).split()[0])
    except ValueError:
        return None, f"SOSI-hodet har et ugyldig koordinatsystem («...KOORDSYS {code}»)."
    if k in KOORDSYS_EPSG:
        epsg, name = KOORDSYS_EPSG[k]
        return epsg, name
    if k in KOORDSYS_REFUSED:
        return None, (f"Filen bruker {KOORDSYS_REFUSED[k]} (...KOORDSYS {k}), som geoplan ikke "
                      "transformerer fra. Transformer filen til EUREF89 UTM (KOORDSYS 22, 23 eller "
                      "25) i kildesystemet, eller oppgi --crs hvis koden er feil.")
    return None, (f"Filen bruker et lokalt eller ukjent koordinatsystem (...KOORDSYS {k}). "
                  "Transformer den til EUREF89 UTM (KOORDSYS 22, 23 eller 25) i kildesystemet, "
                  "eller oppgi --crs med EPSG-koden hvis du vet hvilket system koordinatene er i.")
