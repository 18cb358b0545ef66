"""`qingtian build`: render the static site from the warehouse marts (never from raw or staging).

Writers follow Pelican's shape: read the marts into page contexts, render each page with its template to
the path the URL patterns in `site/site.yml` give, copy static assets, extract the archived copy of every
cited source document from the WARC files, then index the pages with Pagefind (the extended build, which
segments Chinese). The site is built in a fresh folder and swapped in whole, so a failed build leaves the
previous site in place.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import yaml
from warcio.archiveiterator import ArchiveIterator

from crawlers import paths
from crawlers.base import load_metadata
from etl.facts import taxonomy
from etl.publish.charts import Point, line_chart
from etl.publish.lists import write_lists
from etl.publish.outlets import write_outlets
from etl.warehouse import connect

SITE_SRC = Path(__file__).resolve().parents[2] / "site"
SPIDERS = Path(__file__).resolve().parents[2] / "crawlers" / "spiders"

PENALTY_TYPE_LABELS = {
    "fine": "罚款",
    "confiscation": "没收违法所得",
    "suspension": "责令停产整治",
    "order_to_correct": "责令改正",
    "detention": "行政拘留",
    "permit_revoked": "吊销许可证",
    "daily_penalty": "按日连续处罚",
}
# Credit grades (企业环境信用评价): css class, Chinese, English.
GRADES = {
    "green": ("grade-green", "绿牌 环保诚信", "green: trustworthy"),
    "blue": ("grade-blue", "蓝牌 环保良好", "blue: good"),
    "yellow": ("grade-yellow", "黄牌 环保警示", "yellow: warning"),
    "red": ("grade-red", "红牌 环保不良", "red: poor"),
    "black": ("grade-black", "黑牌 环保严重失信", "black: seriously untrustworthy"),
}
AUDIT_TYPES = {
    "over_standard": "超标排放 over the standard",
    "over_total": "超总量 over the total quota",
    "toxic_materials": "使用有毒有害原料 toxic raw materials",
    "toxic_emissions": "排放有毒有害物质 toxic emissions",
}
LINK_LABELS = {
    "uscc_exact": "统一社会信用代码一致 USCC exact",
    "uscc_repaired": "统一社会信用代码（已修正）USCC repaired",
    "org_code": "组织机构代码一致 organisation code",
    "name_exact": "名称一致 name",
    "name_fuzzy": "名称相似 name",
    "reviewer": "人工核对 reviewer",
    "provisional": "暂定企业 provisional",
}
CODE_STATUS_LABELS = {
    "masked": "代码被遮挡 code masked",
    "invalid": "代码无效 invalid code",
    "empty": "无代码 no code",
    "org_code": "旧组织机构代码 old organisation code",
    "repaired": "代码已修正 code repaired",
}


@dataclass
class BuildResult:
    path: Path
    pages: int
    companies: int
    archived: int
    pagefind: str


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _yuan(amount: Any) -> str:
    if amount is None:
        return "—"
    value = float(amount)
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} 元"


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _link_label(method: str | None, score: float | None) -> str:
    if method is None:
        return "—"
    label = LINK_LABELS.get(method, method)
    return label if score in (None, 1.0) else f"{label} {score:.2f}"


def _region_label(e: dict[str, Any]) -> str:
    parts = [e.get("province"), e.get("city"), e.get("county")]
    return " ".join(p for p in parts if p) or "—"


class SiteBuilder:
    def __init__(self, con: duckdb.DuckDBPyConnection, out: Path) -> None:
        self.con = con
        self.out = out
        self.config: dict[str, Any] = yaml.safe_load((SITE_SRC / "site.yml").read_text(encoding="utf-8"))
        self.urls: dict[str, str] = self.config["urls"]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(SITE_SRC / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["num"] = lambda v: "—" if v is None else _fmt(v)
        self.built_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.pages = 0
        self.cited: dict[str, str] = {}  # archive digest → site-relative path of its copy
        self.monitoring: dict[str, dict[str, Any]] = {}  # "ps_code:mp_code" → charts of that outlet
        self.source_titles = {yml.stem: load_metadata(yml)["title"] for yml in sorted(SPIDERS.glob("*/*.yml"))}

    def url(self, kind: str, **values: str) -> str:
        return self.urls[kind].format(**values)

    def archive_url(self, digest: str, content_type: str | None) -> str:
        ext = self.config["archive_extensions"].get((content_type or "").split(";")[0].strip(), ".bin")
        path = self.url("archive", digest=digest, ext=ext)
        self.cited[digest] = path
        return path

    def write(self, rel: str, template: str, **context: Any) -> None:
        depth = rel.count("/")
        html = self.env.get_template(template).render(
            site=self.config, root="../" * depth, built_at=self.built_at, **context
        )
        target = self.out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.pages += 1

    def write_json(self, rel: str, payload: dict[str, Any]) -> None:
        target = self.out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")

    # -- readers ----------------------------------------------------------------------------------

    def _content_types(self) -> dict[str, str]:
        return dict(self.con.execute(
            "SELECT digest, any_value(content_type) FROM raw.archive GROUP BY digest"
        ).fetchall())

    def company_contexts(self) -> list[dict[str, Any]]:
        types = self._content_types()
        labels = taxonomy()[2]
        enterprises = _rows(self.con, "SELECT * FROM marts.enterprises ORDER BY name")
        by_company: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        for p in _rows(self.con, "SELECT * FROM marts.penalties WHERE enterprise_id IS NOT NULL"):
            p["fine_label"] = _yuan(p["fine_yuan"])
            p["types_label"] = "、".join(PENALTY_TYPE_LABELS.get(t, t) for t in p["penalty_types"] or [])
            p["link_label"] = _link_label(p["link_method"], p["link_score"])
            p["violation_labels"] = [labels.get(v, {"label": v, "label_en": v}) for v in p["violation_types"]]
            p["serious_labels"] = [labels.get(f"serious:{r}", {"label": r, "label_en": r})
                                   for r in p["serious_reasons"]]
            p["archive_url"] = self.archive_url(p["archive_digest"], types.get(p["archive_digest"]))
            p["fetched_date"] = p["fetched_at"].strftime("%Y-%m-%d")
            p["anchor"] = "r-" + p["record_id"].split(":", 1)[1].replace(" ", "")
            for copy in p["also_published"]:
                copy["archive_url"] = self.archive_url(copy["archive_digest"], types.get(copy["archive_digest"]))
                copy["title"] = self.source_titles.get(copy["source"], copy["source"])
            by_company[p["enterprise_id"]]["penalties"].append(p)
        for r in _rows(self.con, "SELECT * FROM marts.credit_ratings WHERE enterprise_id IS NOT NULL"):
            r["grade_css"], r["grade_zh"], r["grade_en"] = GRADES.get(r["grade"], ("", r["grade_label"], ""))
            r["serious_labels"] = [labels.get(f"serious:{x}", {"label": x, "label_en": x})
                                   for x in r["serious_reasons"]]
            r["link_label"] = _link_label(r["link_method"], r["link_score"])
            r["archive_url"] = self.archive_url(r["archive_digest"], types.get(r["archive_digest"]))
            by_company[r["enterprise_id"]]["ratings"].append(r)
        for o in _rows(self.con, "SELECT * FROM marts.correction_orders WHERE enterprise_id IS NOT NULL"):
            o["link_label"] = _link_label(o["link_method"], o["link_score"])
            o["archive_url"] = self.archive_url(o["archive_digest"], types.get(o["archive_digest"]))
            by_company[o["enterprise_id"]]["orders"].append(o)
        for c in _rows(self.con, "SELECT * FROM marts.cleaner_production WHERE enterprise_id IS NOT NULL"):
            c["audit_labels"] = [AUDIT_TYPES.get(t, t) for t in c["audit_type"] or []]
            c["link_label"] = _link_label(c["link_method"], c["link_score"])
            c["archive_url"] = self.archive_url(c["archive_digest"], types.get(c["archive_digest"]))
            by_company[c["enterprise_id"]]["audits"].append(c)
        for p in _rows(self.con, "SELECT * FROM marts.permits WHERE enterprise_id IS NOT NULL"):
            p["archive_url"] = self.archive_url(p["archive_digest"], types.get(p["archive_digest"]))
            by_company[p["enterprise_id"]]["permits"].append(p)
        for plant in _rows(self.con, "SELECT * FROM marts.plants WHERE enterprise_id IS NOT NULL"):
            plant["archive_url"] = self.archive_url(plant["archive_digest"], types.get(plant["archive_digest"]))
            plant["link_label"] = _link_label(plant["link_method"], plant["link_score"])
            plant["outlets"] = []
            by_company[plant["enterprise_id"]]["plants"].append(plant)
        self._attach_monitoring(by_company)
        contexts = []
        for e in enterprises:
            e["url"] = self.url("company", enterprise_id=e["enterprise_id"])
            e["region_label"] = _region_label(e)
            e["fines_label"] = _yuan(e["fines_yuan"])
            records = by_company[e["enterprise_id"]]
            grade = GRADES.get(e["credit_grade"])
            e["credit_label"] = f"{grade[1]} {grade[2]}（{e['credit_year']}）" if grade else "未评价 not rated"
            contexts.append({"e": e, "penalties": records["penalties"], "permits": records["permits"],
                             "plants": records["plants"], "ratings": records["ratings"],
                             "audits": records["audits"], "orders": records["orders"]})
        return contexts

    def _attach_monitoring(self, by_company: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
        plants = {p["ps_code"]: p for records in by_company.values() for p in records["plants"]}
        outlets = _rows(self.con, "SELECT * FROM staging.stg_nat_envsc_incineration__outlets ORDER BY outlet_name")
        values = _rows(self.con, "SELECT * FROM marts.monitoring_values WHERE enterprise_id IS NOT NULL")
        by_outlet: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for v in values:
            by_outlet[(v["ps_code"], v["mp_code"])].append(v)
        for outlet in outlets:
            plant = plants.get(outlet["ps_code"])
            if plant is None:
                continue
            rows = by_outlet[(outlet["ps_code"], outlet["mp_code"])]
            pollutants = sorted({(v["pollutant_code"], v["pollutant_name"]) for v in rows})
            limits = {v["pollutant_code"]: v["limit_value"] for v in rows if v["limit_value"] is not None}
            grid: dict[Any, dict[str, dict[str, Any]]] = defaultdict(dict)
            for v in rows:
                grid[v["day"]][v["pollutant_code"]] = v
            table = []
            for day in sorted(grid):
                cells = []
                for code, _ in pollutants:
                    v = grid[day].get(code)
                    if v is None:
                        cells.append({"text": "", "css": "missing", "title": "无数据 no data"})
                    elif v["flagged"]:
                        cells.append({"text": _fmt(v["value"]) or v["remark"], "css": "flagged", "title": v["remark"]})
                    elif v["exceeded"]:
                        cells.append({"text": _fmt(v["value"]), "css": "exceed",
                                      "title": f"超标 {v['exceedance_multiple']:g} 倍 exceeds the limit"})
                    else:
                        cells.append({"text": _fmt(v["value"]), "css": "", "title": ""})
                table.append({"day": day.isoformat(), "cells": cells})
            charts = []
            for code, pollutant in pollutants:
                series = [Point(v["day"], v["value"], v["exceeded"], v["flagged"], v["remark"])
                          for v in rows if v["pollutant_code"] == code]
                charts.append({"caption": pollutant, "svg": line_chart(
                    f"{outlet['outlet_name']} {pollutant} 日均值 daily mean", "mg/m³", series, limits.get(code))})
            self.monitoring[f"{outlet['ps_code']}:{outlet['mp_code']}"] = {
                "name": outlet["outlet_name"], "charts": charts,
                "exceedances": sum(1 for v in rows if v["exceeded"]),
                "flagged": sum(1 for v in rows if v["flagged"]),
            }
            plant["outlets"].append({
                "name": outlet["outlet_name"],
                "charts": charts,
                "pollutants": [{"code": c, "name": n, "limit_label": _fmt(limits.get(c)) or "—"}
                               for c, n in pollutants],
                "rows": table,
                "exceedances": sum(1 for v in rows if v["exceeded"]),
                "flagged": sum(1 for v in rows if v["flagged"]),
            })

    def sources(self) -> list[dict[str, Any]]:
        reports = {
            row["source"]: row
            for row in _rows(self.con, "SELECT source, arg_max(finished, finished) AS finished, "
                                       "arg_max(ok, finished) AS ok FROM raw.crawl_reports GROUP BY source")
        }
        counts = dict(self.con.execute(
            "SELECT source, count(DISTINCT record_id) FROM raw.items GROUP BY source").fetchall())
        out = []
        for yml in sorted(SPIDERS.glob("*/*.yml")):
            meta = load_metadata(yml)
            source = yml.stem
            report = reports.get(source, {})
            out.append({
                "id": source,
                "title": meta["title"],
                "summary": meta["summary"],
                "publisher": meta["publisher"]["name"],
                "landing": meta.get("url") or meta.get("origin") or f"https://{meta['host']}",
                "frequency": meta["coverage"].get("frequency", "—"),
                "last_crawl": report.get("finished").strftime("%Y-%m-%d %H:%M") if report.get("finished") else None,
                "last_ok": report.get("ok"),
                "records": counts.get(source, 0),
            })
        return out

    # -- writers ----------------------------------------------------------------------------------

    def build(self) -> None:
        companies = self.company_contexts()
        outlets = write_outlets(self, companies, self.monitoring)
        for context in companies:
            context["outlets"] = outlets.get(context["e"]["enterprise_id"], [])
            self.write(context["e"]["url"], "company.html", **context)
            self.write_json(context["e"]["url"].removesuffix(".html") + ".json", company_json(context))
        stats = self.con.execute(
            "SELECT (SELECT count(*) FROM marts.enterprises), (SELECT count(*) FROM marts.permits), "
            "(SELECT count(*) FROM marts.penalties), (SELECT count(*) FROM marts.plants), "
            "(SELECT count(*) FROM marts.monitoring_values WHERE exceeded)"
        ).fetchall()[0]
        self.write(
            "index.html", "index.html",
            enterprises=[c["e"] for c in companies],
            stats=dict(zip(("enterprises", "permits", "penalties", "plants", "exceedances"), stats, strict=True)),
        )
        unmatched = _rows(self.con, "SELECT * FROM marts.unmatched_records")
        for r in unmatched:
            r["status_label"] = " · ".join(
                x for x in (CODE_STATUS_LABELS.get(r["code_status"], r["code_status"]), r["code_reason"]) if x
            )
        self.write(self.url("unmatched"), "unmatched.html", records=unmatched)
        self.write(self.url("sources"), "sources.html", sources=self.sources())
        write_lists(self, companies, taxonomy()[2])
        # Further writers (exports, feeds, screening …) named in site/site.yml as "module:function(builder,
        # companies)", each adding its own pages and files.
        for target in self.config.get("writers", []):
            module_name, function = target.split(":")
            getattr(importlib.import_module(module_name), function)(self, companies)
        shutil.copytree(SITE_SRC / "static", self.out / "static", dirs_exist_ok=True)
        self.company_count = len(companies)

    def extract_archive(self, data: Path) -> int:
        """Copy every cited source document out of the WARC files into the site."""
        wanted = self.con.execute(
            "SELECT digest, any_value(warc), any_value(warc_offset) FROM raw.archive "
            "WHERE digest IN (SELECT unnest(?)) GROUP BY digest",
            [list(self.cited)],
        ).fetchall()
        by_file: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for digest, warc, offset in wanted:
            by_file[warc].append((offset, digest))
        written = 0
        for warc, entries in by_file.items():
            with (data / "raw" / warc).open("rb") as fh:
                for offset, digest in sorted(entries):
                    fh.seek(offset)
                    record = next(iter(ArchiveIterator(fh)))
                    target = self.out / self.cited[digest]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(record.content_stream().read())
                    written += 1
        return written


_JSON_DROP = {
    "monitoring", "limits", "grade_css", "grade_zh", "grade_en", "audit_labels", "fine_label", "types_label",
    "link_label", "anchor", "fetched_date", "outlets", "violation_labels", "serious_labels",
}


def company_json(context: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable twin of a company page: the same facts, with their evidence."""

    def clean(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k not in _JSON_DROP}

    e = context["e"]
    return {
        "enterprise": {k: e[k] for k in ("enterprise_id", "uscc", "name", "aliases", "region_code", "province",
                                          "city", "county", "address", "industry")},
        "penalties": [clean(p) for p in context["penalties"]],
        "permits": [clean(p) for p in context["permits"]],
        "credit_ratings": [clean(r) for r in context["ratings"]],
        "cleaner_production": [clean(c) for c in context["audits"]],
        "correction_orders": [clean(o) for o in context["orders"]],
        "permit_outlets": [clean(o) for o in context.get("outlets", [])],
        "plants": [{**clean(p), "outlets": [{"name": o["name"], "exceedances": o["exceedances"],
                                              "flagged": o["flagged"]} for o in p["outlets"]]}
                   for p in context["plants"]],
    }


def run_pagefind(site: Path) -> str:
    """Index the site with the extended Pagefind binary (Chinese word segmentation)."""
    done = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--output-subdir", "pagefind", "--quiet"],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pagefind failed: {done.stderr.strip() or done.stdout.strip()}")
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    return ", ".join(f"{lang} {info['page_count']} pages" for lang, info in entry["languages"].items())


def build(out: Path | None = None, db_path: Path | None = None, search: bool = True) -> BuildResult:
    out = out or paths.site_dir()
    fresh = out.with_name(out.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    con = connect(db_path, read_only=True)
    try:
        builder = SiteBuilder(con, fresh)
        builder.build()
        archived = builder.extract_archive(paths.data_dir())
    finally:
        con.close()
    summary = run_pagefind(fresh) if search else ""
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    fresh.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return BuildResult(out, builder.pages, builder.company_count, archived, summary)
