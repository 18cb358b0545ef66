"""A map of facilities where coordinates exist: an SVG in longitude/latitude, with no tile server.

There is no base layer to fetch offline, so the map draws a graticule and the points only; every point is a
link to its company, and the same facilities are listed in a table below for readers who cannot use the map.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from etl.publish.build import SiteBuilder

# Mainland China and Hainan, with a margin: longitude 73–135 E, latitude 18–54 N.
WEST, EAST, SOUTH, NORTH = 73.0, 135.0, 18.0, 54.0
WIDTH = 900
HEIGHT = round(WIDTH * (NORTH - SOUTH) / (EAST - WEST) * 1.25)  # a little north-south stretch, as in Mercator


def _xy(lon: float, lat: float) -> tuple[float, float]:
    return (WIDTH * (lon - WEST) / (EAST - WEST), HEIGHT * (NORTH - lat) / (NORTH - SOUTH))


def facilities(builder: SiteBuilder, companies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every permitted site and monitored plant with coordinates, with its company's status."""
    by_id = {c["e"]["enterprise_id"]: c["e"] for c in companies}
    rows = builder.con.execute(
        "SELECT enterprise_id, enterprise_name AS name, longitude, latitude, 'permit' AS kind FROM marts.permits "
        "WHERE enterprise_id IS NOT NULL AND longitude IS NOT NULL AND latitude IS NOT NULL "
        "UNION ALL SELECT enterprise_id, plant_name, longitude, latitude, 'plant' FROM marts.plants "
        "WHERE enterprise_id IS NOT NULL AND longitude IS NOT NULL AND latitude IS NOT NULL "
        "ORDER BY 1, 2, 5, 3, 4"  # a total order: which duplicate is kept must not vary between builds
    ).fetchall()
    seen: set[tuple[str, float, float]] = set()
    out = []
    for enterprise_id, name, lon, lat, kind in rows:
        e = by_id.get(enterprise_id)
        key = (enterprise_id, round(lon, 3), round(lat, 3))
        if e is None or key in seen or not (WEST <= lon <= EAST and SOUTH <= lat <= NORTH):
            continue
        seen.add(key)
        status = "serious" if e["serious_2y"] else "exceedance" if e["exceedance_count"] else "none"
        out.append({"name": name, "company": e["name"], "url": e["url"], "lon": lon, "lat": lat, "kind": kind,
                    "status": status})
    return out


def svg(points: list[dict[str, Any]], root: str) -> str:
    parts = [f'<svg class="map" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'aria-label="设施分布图 Map of facilities ({len(points)})">']
    for lon in range(75, 136, 5):
        x, _ = _xy(lon, SOUTH)
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{HEIGHT}"/>'
                     f'<text class="tick" x="{x + 2:.1f}" y="{HEIGHT - 4}">{lon}°E</text>')
    for lat in range(20, 55, 5):
        _, y = _xy(WEST, lat)
        parts.append(f'<line class="grid" x1="0" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}"/>'
                     f'<text class="tick" x="2" y="{y - 2:.1f}">{lat}°N</text>')
    for p in sorted(points, key=lambda p: p["status"] != "none"):  # problems drawn on top
        x, y = _xy(p["lon"], p["lat"])
        parts.append(f'<a href="{escape(root + p["url"])}" aria-label="{escape(p["name"])}">'
                     f'<circle class="site {p["status"]}" cx="{x:.1f}" cy="{y:.1f}" r="4">'
                     f'<title>{escape(p["name"])}</title></circle></a>')
    parts.append("</svg>")
    return "".join(parts)


def write_map(builder: SiteBuilder, companies: list[dict[str, Any]]) -> None:
    points = facilities(builder, companies)
    rel = builder.url("map")
    builder.write(rel, "map.html", points=points, map_svg=svg(points, "../" * rel.count("/")))
