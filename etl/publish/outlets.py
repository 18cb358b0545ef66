"""One page per permitted outlet: its limits, its monitoring, and a QR code (segno, SVG) that encodes the
outlet's national code (permit number + outlet code, HJ 608-2017) and the page's URL, for a sign at the stack.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from etl.publish.qr import qr_svg_inline

if TYPE_CHECKING:
    from etl.publish.build import SiteBuilder


# Mask pattern 0 always, rather than choosing the best of the 8 by scoring each (ISO/IEC 18004 §7.8.3): every
# mask gives a valid code, which any reader decodes (the mask is in the format information), the choice only
# evens out light and dark modules.
QR_MASK = 0


def qr_svg(national_code: str, url: str) -> str:
    """The outlet's QR code as inline SVG: segno's, made by etl/publish/qr.py (0.2 ms rather than 3; no cache
    between builds is needed, so a fresh machine's build is as fast as a repeated one)."""
    return qr_svg_inline(f"{national_code}\n{url}", f"二维码 QR code: {national_code}", QR_MASK)


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
    for outlet in _rows(builder.con, outlets_sql):
        enterprise = names.get(outlet["enterprise_id"])
        if enterprise is None:
            continue
        rel = builder.url("outlet", national_code=outlet["national_code"])
        outlet["url"] = rel
        outlet["limits"] = limits[outlet["national_code"]]
        outlet["monitoring"] = monitoring.get(outlet["monitoring_outlet"] or "")
        builder.write(rel, "outlet.html", o=outlet, e=enterprise,
                      qr=qr_svg(outlet["national_code"], root_url + rel))
        by_company[outlet["enterprise_id"]].append(outlet)
    return by_company
