"""Feeds of new records (Atom 1.0 and JSON Feed 1.1): for the whole site, per province, per company.

"New" means new to this warehouse: a record's time is when it first appeared, the load time of the first
load that stored any version of it (a decision published by several sources: the earliest of its copies).
Records stored before loads were recorded fall back to the time they were fetched. Newest first, at most
`LIMIT` entries a feed. Entry ids are tag URIs on the record id, so they survive re-linking and re-builds.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

from etl.publish.outlets import base_url

if TYPE_CHECKING:
    import duckdb

    from etl.publish.build import SiteBuilder

LIMIT = 100
ATOM = "http://www.w3.org/2005/Atom"
JSON_FEED = "https://jsonfeed.org/version/1.1"
TAG_DATE = "2026"  # the date part of the tag URIs (RFC 4151): never change it, or every entry id changes

# Record marts in the feeds, and how an entry reads: the columns that give its name, number, date,
# authority and fine, and where on the company page it is shown.
KINDS: dict[str, dict[str, Any]] = {
    "penalty": {"mart": "penalties", "label": "行政处罚", "label_en": "Penalty", "name": "party",
                "number": "decision_number", "date": "decision_date", "authority": "authority",
                "fine": "fine_yuan", "extra": None, "anchor": None},
    "correction_order": {"mart": "correction_orders", "label": "责令改正", "label_en": "Order to correct",
                         "name": "party", "number": "decision_number", "date": "decision_date",
                         "authority": "authority", "fine": None, "extra": "deadline", "anchor": "orders-h"},
    "credit_rating": {"mart": "credit_ratings", "label": "环境信用评价", "label_en": "Credit rating",
                      "name": "enterprise_name", "number": "notice_number", "date": "notice_date",
                      "authority": None, "fine": None, "extra": "grade_label", "anchor": "ratings-h"},
    "cleaner_production": {"mart": "cleaner_production", "label": "强制性清洁生产审核",
                           "label_en": "Cleaner-production audit", "name": "enterprise_name",
                           "number": "notice_number", "date": "notice_date", "authority": None, "fine": None,
                           "extra": "audit_reason", "anchor": "ratings-h"},
}
EXTRA_LABELS = {"deadline": "改正期限 Deadline", "grade_label": "等级 Grade", "audit_reason": "原因 Reason"}


@dataclass
class Entry:
    record_id: str
    kind: str
    title: str
    summary: str
    link: str
    source_url: str
    first_seen: datetime
    first_load: int | None
    enterprise_id: str | None
    province: str | None
    date: date | None
    fine_yuan: float | None


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # warehouse timestamps are UTC


def _yuan(amount: Any) -> str:
    if amount is None:
        return "—"
    return f"{float(amount):,.2f}".rstrip("0").rstrip(".") + " 元"


def penalty_anchor(record_id: str) -> str:
    """The id of a penalty's block on its company page (the same rule as SiteBuilder.company_contexts)."""
    return "r-" + record_id.split(":", 1)[1].replace(" ", "")


def first_seen(con: duckdb.DuckDBPyConnection, ids: list[str] | None = None) -> dict[str, tuple[datetime, int | None]]:
    """record id → (when it first appeared in the warehouse, that load's id or None); of `ids` only, if given."""
    where = "" if ids is None else "WHERE record_id IN (SELECT unnest(?::VARCHAR[]))"
    rows = con.execute(
        "WITH f AS (SELECT record_id, min(load_id) AS load_id, min(fetched_at) AS fetched_at "
        f"           FROM raw.items {where} GROUP BY record_id) "
        "SELECT f.record_id, coalesce(l.loaded_at, f.fetched_at), l.load_id "
        "FROM f LEFT JOIN raw.loads l USING (load_id)", [] if ids is None else [ids]
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _publishers() -> dict[str, str]:
    from etl.publish.build import spider_metadata

    return {source: meta["publisher"]["name"] for source, meta in spider_metadata().items()}


def collect(builder: SiteBuilder, scoped: bool = False) -> list[Entry]:
    """Every record of the feed marts as an entry, newest first (`scoped`: only the builder's companies')."""
    con = builder.con
    root = base_url(builder.config)
    publishers = _publishers()
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()}
    # Scoped (a shard): only its companies' records, so nothing is read for the rest of the warehouse.
    where = f"WHERE {builder.scoped()}" if scoped else ""
    regions = dict(con.execute(f"SELECT enterprise_id, region_code FROM marts.enterprises {where}").fetchall())
    record_regions = {} if scoped else dict(con.execute(
        "SELECT record_id, region_code FROM intermediate.record_links WHERE region_code IS NOT NULL").fetchall())
    rows_by_kind: dict[str, list[dict[str, Any]]] = {}
    for kind, spec in KINDS.items():
        if spec["mart"] not in existing:
            continue
        cursor = con.execute(f"SELECT * FROM marts.{spec['mart']} {where}")
        names = [d[0] for d in cursor.description]
        rows_by_kind[kind] = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    wanted = [i for rows in rows_by_kind.values() for row in rows
              for i in (row["record_id"], *(c["record_id"] for c in row.get("also_published") or []))]
    seen = first_seen(con, wanted if scoped else None)
    entries = []
    for kind, rows in rows_by_kind.items():
        spec = KINDS[kind]
        for row in rows:
            ids = [row["record_id"], *(c["record_id"] for c in row.get("also_published") or [])]
            known = [seen[i] for i in ids if i in seen]
            if not known:
                continue
            when, load_id = min(known, key=lambda k: k[0])
            enterprise = row.get("enterprise_id")
            if enterprise:
                anchor = spec["anchor"] or penalty_anchor(row["record_id"])
                link = f"{root}{builder.url('company', enterprise_id=enterprise)}#{quote(anchor, safe='-_.~')}"
            else:
                link = root + builder.url("unmatched")
            region = regions.get(enterprise) or record_regions.get(row["record_id"])
            authority = row.get(spec["authority"]) if spec["authority"] else None
            authority = authority or publishers.get(row["source"], row["source"])
            number = row.get(spec["number"]) or ""
            name = row.get(spec["name"]) or "—"
            day = row.get(spec["date"])
            fine = row.get(spec["fine"]) if spec["fine"] else None
            parts = [f"机关 Authority：{authority}", f"日期 Date：{day or '—'}"]
            if spec["fine"]:
                parts.append(f"罚款 Fine：{_yuan(fine)}")
            if spec["extra"] and row.get(spec["extra"]):
                parts.append(f"{EXTRA_LABELS[spec['extra']]}：{row[spec['extra']]}")
            parts.append(f"详情 Details：{link}")
            entries.append(Entry(
                record_id=row["record_id"], kind=kind,
                title=f"{spec['label']} {spec['label_en']}：{name} {number}".strip(),
                summary="；".join(parts), link=link, source_url=row["url"], first_seen=when, first_load=load_id,
                enterprise_id=enterprise, province=region[:2] + "0000" if region else None, date=day,
                fine_yuan=float(fine) if isinstance(fine, Decimal | float | int) else None,
            ))
    # Loads within the same second are told apart by their order.
    entries.sort(key=lambda e: (e.first_seen, e.first_load or 0, e.date or date.min, e.record_id), reverse=True)
    return entries


def _tag(authority: str, specific: str) -> str:
    return f"tag:{authority},{TAG_DATE}:{quote(specific, safe=':/-_.~')}"


_ATTRIBUTE = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def _x(text: str) -> str:
    """XML character data, escaped as ElementTree does."""
    return escape(text)


def _xa(text: str) -> str:
    """An XML attribute value (double-quoted), escaped as ElementTree does."""
    return escape(text, _ATTRIBUTE)


def atom(meta: dict[str, str], entries: list[Entry], authority: str, updated: datetime) -> bytes:
    """An Atom 1.0 feed, written as text (one feed per company: ElementTree cost a millisecond each)."""
    out = [
        "<?xml version='1.0' encoding='utf-8'?>\n",
        f'<feed xmlns="{ATOM}" xml:lang="zh-CN">\n',
        f" <id>{_x(_tag(authority, 'feed/' + meta['name']))}</id>\n",
        f" <title>{_x(meta['title'])}</title>\n",
        f" <subtitle>{_x(meta['subtitle'])}</subtitle>\n",
        f" <updated>{_stamp(updated)}</updated>\n",
        f' <link rel="self" type="application/atom+xml" href="{_xa(meta["atom_url"])}" />\n',
        f' <link rel="alternate" type="text/html" href="{_xa(meta["home_url"])}" />\n',
        f" <author>\n  <name>晴天 Qingtian</name>\n  <uri>{_x(meta['site_url'])}</uri>\n </author>\n",
        " <generator>Qingtian</generator>\n",
    ]
    for e in entries:
        stamp = _stamp(e.first_seen)
        out.append(
            f" <entry>\n  <id>{_x(_tag(authority, 'record/' + e.record_id))}</id>\n  <title>{_x(e.title)}</title>\n"
            f"  <updated>{stamp}</updated>\n  <published>{stamp}</published>\n"
            f'  <link rel="alternate" type="text/html" href="{_xa(e.link)}" />\n'
            f'  <link rel="via" href="{_xa(e.source_url)}" />\n  <category term="{_xa(e.kind)}" />\n'
            f'  <summary type="text">{_x(e.summary)}</summary>\n </entry>\n')
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")


def json_feed(meta: dict[str, str], entries: list[Entry], authority: str) -> dict[str, Any]:
    return {
        "version": JSON_FEED,
        "title": meta["title"],
        "description": meta["subtitle"],
        "home_page_url": meta["home_url"],
        "feed_url": meta["json_url"],
        "language": "zh-CN",
        "authors": [{"name": "晴天 Qingtian", "url": meta["site_url"]}],
        "items": [{
            "id": _tag(authority, f"record/{e.record_id}"),
            "url": e.link,
            "external_url": e.source_url,
            "title": e.title,
            "content_text": e.summary,
            "summary": e.summary,
            "date_published": _stamp(e.first_seen),
            "tags": [e.kind],
            "_qingtian": {"record_id": e.record_id, "kind": e.kind, "enterprise_id": e.enterprise_id,
                          "province": e.province, "first_load": e.first_load,
                          "date": e.date.isoformat() if e.date else None, "fine_yuan": e.fine_yuan},
        } for e in entries],
    }


def write_feed(builder: SiteBuilder, paths: tuple[str, str], meta: dict[str, str], entries: list[Entry],
               fallback: datetime) -> None:
    """Write one feed as Atom and as JSON Feed; `paths`: their site-relative paths."""
    root = base_url(builder.config)
    authority = urlsplit(root).hostname or "localhost"
    shown = entries[:LIMIT]
    atom_rel, json_rel = paths
    meta = {**meta, "name": atom_rel.removesuffix(".atom"), "site_url": root, "atom_url": root + atom_rel,
            "json_url": root + json_rel}
    updated = shown[0].first_seen if shown else fallback
    # New files, never written through: an incremental build hard-links the published ones here.
    builder.put(builder.target(atom_rel), atom(meta, shown, authority, updated))
    builder.put(builder.target(json_rel), json.dumps(json_feed(meta, shown, authority), ensure_ascii=False,
                                                      separators=(",", ":")).encode("utf-8"))


def feed_paths(builder: SiteBuilder, name: str) -> tuple[str, str]:
    return builder.url("feed", name=name, ext="atom"), builder.url("feed", name=name, ext="json")


def company_feed_paths(builder: SiteBuilder, enterprise_id: str) -> tuple[str, str]:
    """Beside the company page: `c/<id>.atom`, and `c/<id>.feed.json` (`c/<id>.json` is the company's data)."""
    page = builder.url("company", enterprise_id=enterprise_id).removesuffix(".html")
    return f"{page}.atom", f"{page}.feed.json"


SUBTITLE = ("新收录的行政处罚、责令改正、信用评价与清洁生产审核记录 "
            "New penalties, orders to correct, credit ratings and audit listings")


def _fallback(builder: SiteBuilder) -> datetime:
    loaded = builder.con.execute("SELECT max(loaded_at) FROM raw.loads").fetchall()[0][0]
    return loaded or datetime(2026, 1, 1)


def write_feeds(builder: SiteBuilder, companies: list[dict[str, Any]]) -> None:
    """Site writer: feeds/all and feeds/region-<province> (.atom, .json), and beside each company page
    c/<enterprise>.atom and c/<enterprise>.feed.json."""
    write_site_feeds(builder, companies)
    write_company_feeds(builder, companies)


def write_site_feeds(builder: SiteBuilder, companies: list[dict[str, Any]]) -> None:
    """feeds/all and feeds/region-<province> (.atom, .json)."""
    root = base_url(builder.config)
    entries = collect(builder)
    fallback = _fallback(builder)
    subtitle = SUBTITLE
    write_feed(builder, feed_paths(builder, "all"), {
        "title": "晴天 Qingtian：新记录 New records", "subtitle": subtitle, "home_url": root + "index.html",
    }, entries, fallback)
    by_province: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        if e.province:
            by_province[e.province].append(e)
    names = dict(builder.con.execute(
        "SELECT code, coalesce(province, name) FROM seeds.regions WHERE code LIKE '__0000'").fetchall())
    for code, items in sorted(by_province.items()):
        province = names.get(code, code)
        write_feed(builder, feed_paths(builder, f"region-{code}"), {
            "title": f"晴天 Qingtian：{province}新记录 New records in {code}", "subtitle": subtitle,
            "home_url": root + builder.url("list", dimension="region", key=code),
        }, items, fallback)


def write_company_feeds(builder: SiteBuilder, companies: list[dict[str, Any]]) -> None:
    """Beside each company page: c/<enterprise>.atom and c/<enterprise>.feed.json (the records of the
    builder's scope only, when it has one: a shard)."""
    root = base_url(builder.config)
    fallback = _fallback(builder)
    subtitle = SUBTITLE
    by_company: dict[str, list[Entry]] = defaultdict(list)
    for e in collect(builder, scoped=bool(getattr(builder, "scope", None))):
        if e.enterprise_id:
            by_company[e.enterprise_id].append(e)
    for context in companies:
        e = context["e"]
        write_feed(builder, company_feed_paths(builder, e["enterprise_id"]), {
            "title": f"{e['name']}：新记录 New records · 晴天 Qingtian", "subtitle": subtitle,
            "home_url": root + builder.url("company", enterprise_id=e["enterprise_id"]),
        }, by_company.get(e["enterprise_id"], []), fallback)
