"""One page per permitted outlet: its limits, its monitoring, and a QR code (segno, SVG) that encodes the
outlet's national code (permit number + outlet code, HJ 608-2017) and the page's URL, for a sign at the stack.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import segno

if TYPE_CHECKING:
    from etl.publish.build import SiteBuilder


# Mask pattern 0 always, rather than segno choosing the best of the 8 by scoring each (ISO/IEC 18004 §7.8.3),
# which is three quarters of the time a code takes in pure Python: every mask gives a valid code, which any
# reader decodes (the mask is in the format information), the choice only evens out light and dark modules.
QR_MASK = 0


def qr_svg(national_code: str, url: str, cache: Path | None = None) -> str:
    """The outlet's QR code as inline SVG; with `cache` (a folder), kept there by a hash of its content and
    form, so a later build reuses it."""
    content = f"{national_code}\n{url}"
    title = f"二维码 QR code: {national_code}"
    target = None
    if cache is not None:
        key = hashlib.sha256(f"{segno.__version__}\0m\0{QR_MASK}\03\0{title}\0{content}".encode()).hexdigest()
        target = cache / key[:2] / f"{key}.svg"
        try:
            return target.read_text(encoding="utf-8")
        except FileNotFoundError:
            pass
    svg = str(segno.make(content, error="m", mask=QR_MASK).svg_inline(scale=3, title=title))
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Two builds may write the same code at once: each writes its own file and renames it into place.
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False) as fh:
            fh.write(svg)
        os.replace(fh.name, target)
    return svg


def base_url(config: dict[str, Any]) -> str:
    """Where the site is published, for absolute URLs in QR codes and feeds (QINGTIAN_SITE_URL overrides)."""
    url = os.environ.get("QINGTIAN_SITE_URL") or config["base_url"]
    return url if url.endswith("/") else url + "/"


def write_outlets(builder: SiteBuilder, companies: list[dict[str, Any]],
                  monitoring: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Write the outlet pages; returns enterprise id → its outlets (for the company pages' permit tables)."""
    from etl.publish.build import _rows

    names = {c["e"]["enterprise_id"]: c["e"] for c in companies}
    outlets_sql = f"SELECT * FROM marts.permit_outlets WHERE enterprise_id IS NOT NULL AND {builder.scoped()}"
    limits: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(builder.con, "SELECT * FROM marts.permit_limits WHERE national_code IN "
                                  f"(SELECT national_code FROM ({outlets_sql})) "
                                  "ORDER BY national_code, pollutant_name, record_id"):
        limits[row["national_code"]].append(row)
    by_company: dict[str, list[dict[str, Any]]] = defaultdict(list)
    root_url = base_url(builder.config)
    cache = builder.cache / "qr" if builder.cache else None
    for outlet in _rows(builder.con, outlets_sql):
        enterprise = names.get(outlet["enterprise_id"])
        if enterprise is None:
            continue
        rel = builder.url("outlet", national_code=outlet["national_code"])
        outlet["url"] = rel
        outlet["limits"] = limits[outlet["national_code"]]
        outlet["monitoring"] = monitoring.get(outlet["monitoring_outlet"] or "")
        builder.write(rel, "outlet.html", o=outlet, e=enterprise,
                      qr=qr_svg(outlet["national_code"], root_url + rel, cache))
        by_company[outlet["enterprise_id"]].append(outlet)
    return by_company
