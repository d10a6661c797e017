"""The package's own exceptions.

Every error a user can cause carries a Norwegian message that names the file,
layer and feature where it can, says what to do, and the exit code the command
line uses for it:

* 1 -- the data fail a check an analysis depends on (:class:`DataProblem`)
* 2 -- the input cannot be read or used at all (:class:`UnreadableInput`)

Every class subclasses :class:`ValueError`, so a notebook can catch bad
arguments and bad data the usual way; the exit code is only the command line's
business.
"""

from __future__ import annotations


class GeoplanError(ValueError):
    """Base class: a user-facing error with a Norwegian message and an exit code."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class UnreadableInput(GeoplanError):
    """The input cannot be read at all (not geodata, truncated, empty, corrupt)."""

    exit_code = 2


class DataProblem(GeoplanError):
    """The data can be read but an analysis would be wrong with it."""

    exit_code = 1


class ConfigError(GeoplanError):
    """A configuration file or a parameter override is invalid."""

    exit_code = 2


class MissingLayer(DataProblem):
    """A layer a command needs is not in the data."""

    def __init__(self, names, source: str = ""):
        names = list(names)
        where = f" i {source}" if source else ""
        lst = ", ".join(f"«{n}»" for n in names)
        msg = (
            f"Laget {lst} mangler{where}, men trengs for denne analysen. "
            "Legg laget til i GeoPackage-filen (eller mappen) med riktig navn, "
            "eller se «geoplan check» for hvilke lag som finnes."
        ) if len(names) == 1 else (
            f"Lagene {lst} mangler{where}, men trengs for denne analysen. "
            "Legg lagene til med riktige navn, eller se «geoplan check»."
        )
        super().__init__(msg)
        self.names = names


def xml_error_at(e: Exception) -> str:
    """Where an XML parser stopped, in Norwegian: «XML-feil ved linje 12, kolonne 4».
    The parser's own words («mismatched tag», «no element found») are English and
    are left out; the position is what a user needs to open the file at."""
    pos = getattr(e, "position", None)
    if isinstance(pos, tuple) and len(pos) == 2 and pos[0]:
        return f"XML-feil ved linje {pos[0]}, kolonne {pos[1] + 1}"
    line = getattr(e, "lineno", None)
    return f"XML-feil ved linje {line}" if line else "XML-feil"


def csv_line(e: Exception) -> str:
    """`` ved linje N`` when pandas' CSV error names the line (its own words are English,
    «Error tokenizing data. C error: Expected 3 fields in line 4, saw 5»), else nothing."""
    import re

    m = re.search(r"line (\d+)", str(e))
    return f" ved linje {m.group(1)}" if m else ""


#: what the operating system's reasons mean, in Norwegian (errno name -> text); the
#: system's own words (``e.strerror``) are English
_OS_REASONS = {
    "ENOENT": "finnes ikke",
    "EACCES": "mangler tilgang (lese- eller skriverettighet)",
    "EPERM": "operasjonen er ikke tillatt",
    "EISDIR": "er en mappe, ikke en fil",
    "ENOTDIR": "en del av stien er ikke en mappe",
    "ENAMETOOLONG": "navnet er for langt for filsystemet",
    "ENOSPC": "disken er full",
    "EDQUOT": "diskkvoten er brukt opp",
    "EROFS": "filsystemet er skrivebeskyttet",
    "EEXIST": "finnes fra før",
    "ELOOP": "stien går i ring (for mange symbolske lenker)",
    "EMFILE": "for mange åpne filer",
    "ENFILE": "for mange åpne filer",
    "EBUSY": "er i bruk",
    "ETXTBSY": "er i bruk",
    "EXDEV": "kan ikke flyttes mellom to disker",
    "ENOTEMPTY": "mappen er ikke tom",
    "EIO": "lese- eller skrivefeil på disken",
    "EINVAL": "ugyldig navn eller argument",
    "ENXIO": "enheten finnes ikke",
    "ENODEV": "enheten finnes ikke",
}


#: the reasons that read differently when geoplan was writing
_OS_WRITE_REASONS = {"EACCES": "ingen skrivetilgang", "EPERM": "ingen skrivetilgang",
                     "EISDIR": "det finnes en mappe med det navnet"}


def os_reason(e: OSError, *, writing: bool = False) -> str:
    """Why the operating system refused, in Norwegian («finnes ikke», «disken er
    full»; ``writing``: «ingen skrivetilgang»): never ``e.strerror``, which is English."""
    import errno

    name = errno.errorcode.get(e.errno or -1, "")
    if writing and name in _OS_WRITE_REASONS:
        return _OS_WRITE_REASONS[name]
    return _OS_REASONS.get(name, f"systemet avviste operasjonen (feilkode {name or e.errno})")


def os_error_text(e: OSError) -> str:
    """A whole sentence for an :class:`OSError` a user caused: the path and the reason
    (:func:`os_reason`)."""
    reason = os_reason(e)
    if e.filename is None:
        return reason[:1].upper() + reason[1:] + "."
    where = str(e.filename)
    if len(where) > 120:    # a name too long for the file system is too long to read, too
        where = where[:60] + " … " + where[-40:]
    return f"«{where}»: {reason}."
