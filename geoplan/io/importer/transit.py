"""Public-transport stops: GTFS (departures per hour) and NeTEx from the national stop register.

GTFS (https://gtfs.org/schedule/reference/): ``stops.txt`` (``stop_id``,
``stop_name``, ``stop_lat``, ``stop_lon``, ``location_type``, ``parent_station``)
and ``stop_times.txt`` (``trip_id``, ``arrival_time``, ``departure_time``,
``stop_id``, ``stop_sequence``, ``pickup_type``); with ``trips.txt`` and
``calendar.txt``/``calendar_dates.txt`` the day counted is the weekday with the
most trips in the feed. A departure is a stop time where passengers can board
(not ``pickup_type`` 1, not a trip's last stop) inside the configured window;
platforms are counted at their station (``parent_station``), so one point per
stop place, as in the national stop register.

NeTEx (Nordic profile, as Entur exports NSR): ``StopPlace`` elements with
``Name`` and ``Centroid/Location/{Longitude,Latitude}`` (WGS84).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.errors import UnreadableInput, csv_line, xml_error_at
from geoplan.numbers import short_number

NS = "{http://www.netex.org.uk/netex}"


def _csv(folder: Path, name: str, label: str, required: tuple[str, ...] = ()) -> pd.DataFrame | None:
    p = folder / name
    if not p.is_file():
        return None
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableInput(f"{label}: {name} kan ikke leses: filen er ikke UTF-8-tekst. GTFS-"
                              "filer skal være UTF-8; last ned rutedataene på nytt.") from None
    except (pd.errors.ParserError, ValueError) as e:
        raise UnreadableInput(f"{label}: {name} kan ikke leses som en kommaseparert tabell{csv_line(e)} "
                              "(feil antall felt, eller filen er avkortet). Last ned rutedataene "
                              "på nytt.") from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise UnreadableInput(f"{label}: {name} mangler kolonnene {', '.join(missing)} som GTFS krever.")
    return df


def _seconds(s: pd.Series) -> np.ndarray:
    """«25:10:00» -> 90600 (GTFS times may pass 24:00); NaN for empty."""
    parts = s.str.strip().str.split(":", expand=True)
    if parts.shape[1] < 3:
        return np.full(len(s), np.nan)
    h, m, sec = (pd.to_numeric(parts[i], errors="coerce") for i in range(3))
    return (h * 3600 + m * 60 + sec).to_numpy(dtype=float)


def _active_services(folder: Path, label: str) -> tuple[set[str] | None, str]:
    """The service_ids of the weekday with most trips, and that day (None: count every trip)."""
    trips = _csv(folder, "trips.txt", label, ("trip_id", "service_id"))
    cal = _csv(folder, "calendar.txt", label)
    dates = _csv(folder, "calendar_dates.txt", label)
    if trips is None or (cal is None and dates is None):
        return None, ""
    per_service = trips.groupby("service_id").size()
    days: dict[dt.date, set[str]] = {}
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    for _i, r in (cal.iterrows() if cal is not None else iter(())):
        d, end = (dt.datetime.strptime(r[k], "%Y%m%d").date() for k in ("start_date", "end_date"))
        while d <= end:
            if r[names[d.weekday()]] == "1":
                days.setdefault(d, set()).add(r["service_id"])
            d += dt.timedelta(days=1)
    for _i, r in (dates.iterrows() if dates is not None else iter(())):
        d = dt.datetime.strptime(r["date"], "%Y%m%d").date()
        (days.setdefault(d, set()).add if r["exception_type"] == "1" else days.setdefault(d, set()).discard)(
            r["service_id"])
    weekdays = {d: s for d, s in days.items() if d.weekday() < 5 and s}
    if not weekdays:
        return None, ""
    best = max(sorted(weekdays), key=lambda d: sum(int(per_service.get(s, 0)) for s in weekdays[d]))
    return weekdays[best], best.isoformat()


def read_gtfs(folder: Path, label: str, window: tuple[float, float]) -> tuple[gpd.GeoDataFrame, list[str]]:
    """One point per stop place with ``avganger_per_time``; and notes for the report."""
    stops = _csv(folder, "stops.txt", label, ("stop_id", "stop_name", "stop_lat", "stop_lon"))
    times = _csv(folder, "stop_times.txt", label, ("trip_id", "stop_id", "stop_sequence"))
    assert stops is not None and times is not None
    services, day = _active_services(folder, label)
    notes = []
    if services is not None:
        trips = _csv(folder, "trips.txt", label)
        assert trips is not None
        times = times[times["trip_id"].isin(set(trips.loc[trips["service_id"].isin(services), "trip_id"]))]
        notes.append(f"Avganger er telt for {day}, hverdagen med flest turer i ruteplanen.")
    else:
        notes.append("Ruteplanen har ingen kalender (calendar.txt/trips.txt); alle turer er telt som én dag.")
    seq = pd.to_numeric(times["stop_sequence"], errors="coerce")
    last = seq.groupby(times["trip_id"]).transform("max")
    dep = times.get("departure_time", pd.Series("", index=times.index)).replace("", np.nan)
    t = _seconds(dep.fillna(times.get("arrival_time", pd.Series("", index=times.index))).astype(str))
    boards = (seq < last).to_numpy() & (times.get("pickup_type", pd.Series("0", index=times.index)) != "1").to_numpy()
    lo, hi = window[0] * 3600, window[1] * 3600
    inside = boards & (t >= lo) & (t < hi)
    parent = stops.set_index("stop_id").get("parent_station", pd.Series(dtype=str)).replace("", np.nan)
    place = times["stop_id"].map(lambda s: parent.get(s) if isinstance(parent.get(s), str) else s)
    counted = place[inside].value_counts()
    day_total = place[boards].value_counts()
    kind = stops.get("location_type", pd.Series("0", index=stops.index)).replace("", "0")
    has_parent = stops.get("parent_station", pd.Series("", index=stops.index)).replace("", np.nan).notna()
    places = stops[(kind == "1") | ((kind == "0") & ~has_parent)].copy()
    hours = (hi - lo) / 3600
    places["avganger_per_time"] = places["stop_id"].map(counted).fillna(0).to_numpy() / hours
    places["avganger_dogn"] = places["stop_id"].map(day_total).fillna(0).astype(int)
    lon, lat = (pd.to_numeric(places[c], errors="coerce") for c in ("stop_lon", "stop_lat"))
    gdf = gpd.GeoDataFrame({"navn": places["stop_name"].to_numpy(), "stop_id": places["stop_id"].to_numpy(),
                            "avganger_per_time": places["avganger_per_time"].to_numpy(),
                            "avganger_dogn": places["avganger_dogn"].to_numpy()},
                           geometry=gpd.points_from_xy(lon, lat), crs=4326)
    start, end = (f"{int(h):02d}:{int(round(h % 1 * 60)):02d}" for h in window)
    notes.append(f"Avganger per time = avganger mellom {start} og {end} delt på {short_number(hours)} timer; en "
                 "holdeplass med flere plattformer er telt samlet.")
    return gdf, notes


def read_netex_stops(path: Path, label: str) -> gpd.GeoDataFrame:
    """The stop places of a NeTEx file (NSR), as points in WGS84 with ``navn`` and ``stop_id``."""
    rows = []
    parents: set[str] = set()
    try:
        for _ev, elem in ET.iterparse(path, events=("end",)):
            if elem.tag != f"{NS}StopPlace":
                continue
            ref = elem.find(f"{NS}ParentSiteRef")
            if ref is not None:
                parents.add(ref.get("ref", ""))
            lon = elem.findtext(f"{NS}Centroid/{NS}Location/{NS}Longitude")
            lat = elem.findtext(f"{NS}Centroid/{NS}Location/{NS}Latitude")
            topo = elem.find(f"{NS}TopographicPlaceRef")
            rows.append({"stop_id": elem.get("id"), "navn": (elem.findtext(f"{NS}Name") or "").strip(),
                         "lon": pd.to_numeric(lon, errors="coerce"), "lat": pd.to_numeric(lat, errors="coerce"),
                         "stoppestedstype": elem.findtext(f"{NS}StopPlaceType") or "",
                         "topografisk_sted": topo.get("ref", "") if topo is not None else ""})
            elem.clear()
    except ET.ParseError as e:
        raise UnreadableInput(f"NeTEx-filen {label} er skadet eller avkortet ({xml_error_at(e)}). "
                              "Last den ned på nytt.") from None
    df = pd.DataFrame(rows, columns=["stop_id", "navn", "lon", "lat", "stoppestedstype", "topografisk_sted"])
    df = df[~df["stop_id"].isin(parents)]     # a multimodal parent: its children are the stops
    return gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                            crs=4326)


def combine_stops(netex: gpd.GeoDataFrame | None, gtfs: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """NSR's stop places with the GTFS departures joined by id; GTFS alone when there is no NeTEx."""
    if netex is None:
        assert gtfs is not None
        return gtfs
    if gtfs is None:
        return netex
    dep = gtfs.set_index("stop_id")[["avganger_per_time", "avganger_dogn"]]
    out = netex.join(dep, on="stop_id")
    extra = gtfs[~gtfs["stop_id"].isin(netex["stop_id"])]
    return gpd.GeoDataFrame(pd.concat([out, extra.to_crs(out.crs)], ignore_index=True), crs=out.crs)
