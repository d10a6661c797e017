"""SOSI character sets: what ``..TEGNSETT`` declares, and what the bytes really are.

Declared sets: ``ISO8859-1``, ``ISO8859-10``, ``DOSN8`` (Norwegian DOS, code page
865), ``UTF-8``, ``ANSI`` (Windows-1252), ``ND7``/``DECN7`` (7-bit Norwegian, where
``[\\]{|}`` stand for ÆØÅæøå). Real files do not always tell the truth: a file
declared ISO8859-1/10 can be UTF-8, and one declared UTF-8 can be Latin-1 or DOS.
:func:`decode` checks the bytes and says when the declaration was wrong.
"""

from __future__ import annotations

import re

#: declared name (upper case, without spaces) -> Python codec
DECLARED = {
    "ISO8859-1": "latin-1", "ISO8859-10": "iso8859_10", "ISO-8859-1": "latin-1",
    "ISO-8859-10": "iso8859_10", "DOSN8": "cp865", "UTF-8": "utf-8", "UTF8": "utf-8",
    "ANSI": "cp1252", "WINDOWS-1252": "cp1252", "ND7": "nd7", "DECN7": "nd7",
}

#: what the user reads for a codec
LABEL = {"latin-1": "ISO8859-1", "iso8859_10": "ISO8859-10", "cp865": "DOSN8",
         "utf-8": "UTF-8", "cp1252": "ANSI (Windows-1252)", "nd7": "ND7 (7-biters norsk)"}

_TEGNSETT = re.compile(rb"\.\.TEGNSETT[ \t]+([A-Za-z0-9\-]+)")
_ND7 = str.maketrans("[\\]{|}", "ÆØÅæøå")

# Norwegian letters in code page 865 (æ ø å Æ Ø Å) and in Latin-1 / -10 / 1252
_DOS_LETTERS = set(b"\x91\x9b\x86\x92\x9d\x8f")
_LATIN_LETTERS = set(b"\xe6\xf8\xe5\xc6\xd8\xc5")


def declared_charset(head: bytes) -> str | None:
    """The ``..TEGNSETT`` value of a file's head (its first bytes), upper case, or None."""
    m = _TEGNSETT.search(head)
    return m.group(1).decode("ascii").upper() if m else None


def _guess_8bit(raw: bytes) -> str:
    """Latin-1 or DOS (cp865) for bytes that are not UTF-8: whichever has more Norwegian letters."""
    sample = raw[:8_000_000]
    dos = sum(sample.count(bytes([b])) for b in _DOS_LETTERS)
    latin = sum(sample.count(bytes([b])) for b in _LATIN_LETTERS)
    return "cp865" if dos > latin else "latin-1"


def decode(raw: bytes) -> tuple[str, str, str | None, str | None]:
    """Decode a SOSI file's bytes.

    Returns ``(text, codec used, declared name or None, note)``; the note (Norwegian)
    is set when the declaration is missing, unknown or wrong.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        bom = True
    else:
        bom = False
    declared = declared_charset(raw[:4000])
    codec = DECLARED.get(declared or "", None)
    is_ascii = raw.isascii()
    utf8_ok = True
    if not is_ascii:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            utf8_ok = False
    if bom or (not is_ascii and utf8_ok):
        real = "utf-8"
    elif is_ascii:
        real = codec or "utf-8"
    elif codec in ("latin-1", "iso8859_10", "cp1252", "cp865"):
        guess = _guess_8bit(raw)
        # Latin-1, -10 and 1252 agree on ÆØÅ; only a DOS file read as one of them is wrong
        real = codec if (guess == "cp865") == (codec == "cp865") else guess
    else:
        real = _guess_8bit(raw)
    if real == "nd7":
        text = raw.decode("ascii", errors="replace").translate(_ND7)
    elif real != "utf-8" or is_ascii:
        text = raw.decode(real if real != "utf-8" else "ascii", errors="replace")
    elif not utf8_ok:   # a UTF-8 byte order mark before bytes that are not UTF-8 (fuzzer)
        text = raw.decode("utf-8", errors="replace")
    note = None
    if declared is None:
        note = f"Filen oppgir ikke tegnsett (..TEGNSETT); lest som {LABEL[real]}."
    elif codec is None:
        note = f"Ukjent tegnsett «{declared}» i ..TEGNSETT; lest som {LABEL[real]}."
    elif bom and not utf8_ok:
        note = ("Filen begynner med UTF-8-merket (BOM), men har tegn som ikke er gyldig UTF-8; "
                "de er erstattet med «\ufffd». Eksporter filen på nytt.")
    elif codec is not None and codec != real and not (is_ascii and codec != "nd7"):
        note = (f"Filen oppgir tegnsettet {declared} (..TEGNSETT), men er skrevet i "
                f"{LABEL[real]}; lest som {LABEL[real]} så bokstavene (æ, ø, å) blir riktige. "
                "Rett ..TEGNSETT i kildesystemet.")
    return text, real, declared, note
