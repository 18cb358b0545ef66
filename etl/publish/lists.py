"""List pages: companies by region and industry, penalties by year and violation type, each with filters.

Filtering runs in the browser over `data-*` attributes (site/static/filters.js); without JavaScript every
row is simply shown. Page paths come from the URL patterns in site/site.yml.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    from etl.publish.build import SiteBuilder


def slug(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _company_row(context: dict[str, Any]) -> dict[str, Any]:
    e = context["e"]
    code = e["region_code"] or ""
    years = sorted({p["decision_date"].year for p in context["penalties"] if p["decision_date"]}, reverse=True)
    violations = sorted({v for p in context["penalties"] for v in p["violation_types"]})
    return {
        "name": e["name"], "url": e["url"], "province": e["province"] or "—", "city": e["city"] or "—",
        "province_code": code[:2] + "0000" if code.isdigit() and len(code) == 6 else "000000",
        "industry": e["industry"] or "—", "penalties": len(context["penalties"]), "serious_2y": e["serious_2y"],
        "years": [str(y) for y in years], "violations": violations,
        "fines": e["fines_label"],
    }


def _penalty_row(context: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
    e = context["e"]
    return {
        "name": e["name"], "url": f"{e['url']}#{p['anchor']}", "province": e["province"] or "—",
        "city": e["city"] or "—", "industry": e["industry"] or "—", "decision_number": p["decision_number"],
        "date": p["decision_date"].isoformat() if p["decision_date"] else "—",
        "years": [str(p["decision_date"].year)] if p["decision_date"] else [],
        "violations": list(p["violation_types"]), "serious": p["serious"], "fines": p["fine_label"],
    }


FILTERS = (("province", "省份", "Province"), ("city", "城市", "City"), ("industry", "行业", "Industry"),
           ("years", "年份", "Year"), ("violations", "违法类型", "Violation"))


def _filters(rows: list[dict[str, Any]], labels: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    out = []
    for key, zh, en in FILTERS:
        values: set[str] = set()
        for row in rows:
            value = row[key]
            values.update(value if isinstance(value, list) else [value])
        options = [(v, labels.get(v, {}).get("label", v) if key == "violations" else v) for v in sorted(values)]
        out.append({"key": key, "zh": zh, "en": en, "options": options})
    return out


def write_lists(builder: SiteBuilder, companies: list[dict[str, Any]], labels: dict[str, dict[str, str]]) -> int:
    """Write every list page and the lists index; returns the number of pages written."""
    rows = [_company_row(c) for c in companies]
    penalties = [_penalty_row(c, p) for c in companies for p in c["penalties"]]
    groups: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    names = {row["province_code"]: row["province"] for row in rows} | {"000000": "地区不明 Region unknown"}
    for row in rows:
        groups["region"][row["province_code"]].append(row)
        groups["industry"][row["industry"]].append(row)
    for row in penalties:
        for year in row["years"]:
            groups["year"][year].append(row)
        for code in row["violations"]:
            groups["violation"][code].append(row)
    index: dict[str, list[dict[str, Any]]] = {}
    pages = 0
    # Every row is rendered once, for all the lists it is in.
    macro = builder.template("list_row.html").module.row  # type: ignore[attr-defined]
    html: dict[tuple[int, str], str] = {}
    for dimension, by_key in groups.items():
        index[dimension] = []
        for key in sorted(by_key, reverse=dimension == "year"):
            title = labels.get(key, {}).get("label", key) if dimension == "violation" else names.get(key, key)
            title_en = labels.get(key, {}).get("label_en", "") if dimension == "violation" else ""
            readable = dimension in ("region", "year", "violation")
            rel = builder.url("list", dimension=dimension, key=key if readable else slug(key))
            kind = "companies" if dimension in ("region", "industry") else "penalties"
            root = "../" * rel.count("/")
            rows_html = []
            for row in by_key[key]:
                found = html.get((id(row), root))
                if found is None:
                    found = html[(id(row), root)] = macro(row, kind, root)
                rows_html.append(found)
            builder.write(rel, "list.html", title=title, title_en=title_en, dimension=dimension, kind=kind,
                          rows=by_key[key], rows_html=Markup("\n".join(rows_html)),
                          filters=_filters(by_key[key], labels))
            index[dimension].append({"title": title, "title_en": title_en, "url": rel,
                                     "count": len(by_key[key])})
            pages += 1
    builder.write(builder.url("lists"), "lists.html", index=index)
    return pages + 1
