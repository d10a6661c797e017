"""State that lasts: page choices kept across pages, in the address, and in a session file.

Streamlit forgets a widget's value when a run does not draw it (leaving a page
resets its scenario), and a reload starts a new session. Here:

* :func:`keep` (every run, before the page): the choices in :data:`PERSISTED` are
  written back into the session state, so they survive a visit to another page;
* :func:`from_url` (once per browser session) and :func:`to_url` (after each run):
  the same choices, the chosen site and the what-if point live in the address
  (``st.query_params``), so a link or a reload reproduces the view;
* :func:`session_file` / :func:`open_session_file`: «Lagre økt» and «Åpne økt»,
  one JSON file with the choices, this session's parameter overrides, the
  drawn or typed site, the what-if point, and an uploaded data file with its
  check report.

Values read from an address or a file are checked against the type in
:data:`PERSISTED`; anything else is ignored, never run.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Callable

import streamlit as st

#: the widget keys that last, and how a value from an address is read back
PERSISTED: dict[str, Callable[[str], Any]] = {
    "ab_base_pop": str, "ab_base_year": int, "ab_ppd": str, "ab_dens_on": lambda v: v == "1",
    "ab_dens": str, "ab_years": lambda v: [int(x) for x in v.split("~") if x],
    "ab_rates": lambda v: [float(x) for x in v.split("~") if x], "ab_year": int, "ab_rate": float,
    "ab_sted": str, "sk_radius": int, "sk_walking": lambda v: v == "1", "sk_zoom": str,
    "sk_ut": lambda v: v == "1", "ko_radius": int, "ko_n": int, "ko_kat": str,
    "ko_nybygg": lambda v: v == "1", "vt_units": int, "vt_kat": str,
    "vt_trinn": lambda v: int(v) if v.isdigit() else str(v), "basemap": str, "prikking": lambda v: v == "1",
}
SITE = "_geoplan_site"
POINT = "_ko_point"
_FROM_URL_DONE = "_geoplan_state_from_url"
_PENDING = "_geoplan_state_pending"
FILE_VERSION = 1


def _url_value(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (list, tuple)):
        return "~".join(_url_value(x) for x in v)
    return str(v)


def keep() -> None:
    """Write the lasting choices back, so a run of another page does not drop them
    (and apply the choices of a session file opened in the previous run)."""
    for k, v in (st.session_state.pop(_PENDING, None) or {}).items():
        st.session_state[k] = v
    for k in PERSISTED:
        if k in st.session_state:
            st.session_state[k] = st.session_state[k]


def _set_site_wkt(wkt: str, name: str, source: str) -> None:
    import shapely

    g = shapely.from_wkt(wkt)
    if g is None or g.is_empty or g.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        return
    st.session_state[SITE] = {"wkb": shapely.to_wkb(g), "navn": name[:120], "kilde": source[:120]}


def from_url() -> None:
    """Once per browser session: take the choices, site and point from the address."""
    if st.session_state.get(_FROM_URL_DONE):
        return
    st.session_state[_FROM_URL_DONE] = True
    qp = st.query_params
    for k, conv in PERSISTED.items():
        if k in qp:
            try:
                st.session_state[k] = conv(str(qp[k]))
            except (TypeError, ValueError):
                continue
    try:
        if "tomt" in qp:
            _set_site_wkt(str(qp["tomt"]), str(qp.get("tomtnavn", "Tomt fra lenken")), "lenke")
        if "punkt" in qp:
            x, y = (float(v) for v in str(qp["punkt"]).split(","))
            st.session_state[POINT] = (x, y)
    except Exception:  # a damaged link: the rest of the page still opens
        pass


def _site_wkt() -> tuple[str, str] | None:
    import shapely

    site = st.session_state.get(SITE)
    if not site:
        return None
    g = shapely.from_wkb(site["wkb"])
    return shapely.to_wkt(g, rounding_precision=1, trim=True), str(site.get("navn", ""))


def to_url() -> None:
    """After a run: the address says what is chosen (only what changed is rewritten)."""
    want: dict[str, str] = {}
    for k in PERSISTED:
        if k in st.session_state and st.session_state[k] is not None:
            want[k] = _url_value(st.session_state[k])
    site = _site_wkt()
    if site and len(site[0]) <= 1500:
        want["tomt"], want["tomtnavn"] = site
    pt = st.session_state.get(POINT)
    if pt:
        want["punkt"] = f"{pt[0]:.0f},{pt[1]:.0f}"
    qp = st.query_params
    for k in list(qp.keys()):
        if k not in want and (k in PERSISTED or k in ("tomt", "tomtnavn", "punkt")):
            del qp[k]
    for k, v in want.items():
        if qp.get(k) != v:
            qp[k] = v


def snapshot() -> dict:
    """What «Lagre økt» saves, taken now (cheap: an uploaded file is read only when saving)."""
    from geoplan.present.app import appdata

    doc: dict[str, Any] = {"geoplan_okt": FILE_VERSION,
                           "valg": {k: st.session_state[k] for k in PERSISTED if k in st.session_state},
                           "parametere": appdata.overrides()}
    site = _site_wkt()
    if site:
        doc["tomt"] = {"wkt": site[0], "navn": site[1],
                       "kilde": str((st.session_state.get(SITE) or {}).get("kilde", ""))}
    if st.session_state.get(POINT):
        doc["punkt"] = list(st.session_state[POINT])
    doc["_upload"] = appdata.upload_ref()
    return doc


def session_file(snap: dict | None = None) -> bytes:
    """The whole session as one JSON file («Lagre økt»), from :func:`snapshot`."""
    from geoplan.present.app import appdata

    doc = dict(snap if snap is not None else snapshot())
    up = appdata.upload_info(doc.pop("_upload", None))
    if up:
        doc["opplasting"] = up
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def open_session_file(data: bytes) -> list[str]:
    """Restore a file from :func:`session_file`; returns what was restored (Norwegian).

    Raises
    ------
    geoplan.errors.UnreadableInput
        Not a geoplan session file.
    """
    from geoplan.errors import UnreadableInput
    from geoplan.present.app import appdata

    try:
        doc = json.loads(data.decode("utf-8"))
        assert isinstance(doc, dict) and doc.get("geoplan_okt") == FILE_VERSION
    except Exception:
        raise UnreadableInput("Filen er ikke en lagret geoplan-økt (lagret med «Lagre økt»).") from None
    done = []
    valg = doc.get("valg") or {}
    pending = {}
    for k, conv in PERSISTED.items():
        if k in valg:
            try:
                pending[k] = conv(_url_value(valg[k]))
            except (TypeError, ValueError):
                continue
    # widgets of this run are drawn already: the values are set at the start of the next run
    st.session_state[_PENDING] = pending
    if valg:
        done.append("valgene på sidene")
    if doc.get("parametere"):
        appdata.set_overrides({str(k): str(v) for k, v in doc["parametere"].items()})
        done.append(f"{len(doc['parametere'])} endrede parametere")
    if doc.get("opplasting"):
        up = doc["opplasting"]
        appdata.load_upload(str(up["name"]), base64.b64decode(up["data"]), appdata.config(),
                            layer=up.get("layer"), crs=up.get("crs"), merge=bool(up.get("merge")))
        done.append(f"opplastingen «{up['name']}»")
    if doc.get("tomt"):
        t = doc["tomt"]
        _set_site_wkt(str(t["wkt"]), str(t.get("navn") or "Tomt"), str(t.get("kilde") or "lagret økt"))
        done.append("tomta")
    if doc.get("punkt"):
        x, y = (float(v) for v in doc["punkt"])
        st.session_state[POINT] = (x, y)
        done.append("punktet for hva-om-kjøpet")
    return done
