"""Code tables for the outlet-compliance models (`intermediate.int_outlet_values`, `marts.outlet_values`,
`marts.exceedance_days_monthly`, `marts.compliance_quarterly`) that are kept outside `warehouse/seeds`."""

from __future__ import annotations

import unicodedata

from crawlers.helpers import pollutants


def pollutant_lookup() -> list[dict[str, str]]:
    """`seeds.pollutant_lookup`: every way a source writes a pollutant → its HJ 212-2017 code, from
    `crawlers/helpers/pollutants.yml`. `key_kind` is `code` (HJ 212-2017), `hj2005` (HJ 212-2005 code) or
    `name` (the standard name and the aliases publishers print, as printed and NFKC-normalised)."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for code, entry in sorted(pollutants.table().items()):
        base = {"pollutant_code": code, "pollutant_name": str(entry["name"]), "unit": str(entry.get("unit", ""))}
        keys = [("code", code)]
        if "hj2005" in entry:
            keys.append(("hj2005", str(entry["hj2005"])))
        for name in (entry["name"], *entry.get("aliases", ())):
            keys += [("name", str(name)), ("name", unicodedata.normalize("NFKC", str(name)).strip())]
        for kind, key in keys:
            rows.setdefault((kind, key), {"key_kind": kind, "key": key, **base})
    return list(rows.values())
