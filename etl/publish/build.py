"""`qingtian build`: render the static site from the warehouse marts (never from raw or staging).

Writers follow Pelican's shape: read the marts into page contexts, render each page with its template to
the path the URL patterns in `site/site.yml` give, copy static assets, extract the archived copy of every
cited source document from the WARC files, then index the pages with Pagefind (the extended build, which
segments Chinese). The site is built in a fresh folder and swapped in whole, so a failed build leaves the
previous site in place.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import jinja2.compiler
import markupsafe
import yaml
from warcio.archiveiterator import ArchiveIterator

from crawlers.base import load_metadata
from crawlers.base.trs_cms import declared_charset
from etl.facts import taxonomy
from etl.publish.charts import Point, line_chart
from etl.publish.lists import write_lists
from etl.publish.outlets import write_outlets

SITE_SRC = Path(__file__).resolve().parents[2] / "site"
# Inside the site: each site writer's input fingerprint and files, for the next incremental build.
WRITERS_STATE = ".build/writers.json"
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
STATUS_LABELS = {
    "open": ("未整改", "open"),
    "rectified_gov_verified": ("已整改（政府核实）", "rectified, verified by the authority"),
    "rectified_self_declared": ("已整改（企业自述）", "rectified, declared by the company"),
    "disputed": ("企业有异议", "disputed by the company"),
}
EVENT_LABELS = {
    "fine_paid": ("罚款已缴纳", "fine paid"),
    "reinspection_passed": ("复查：已完成整改", "re-inspection: corrected"),
    "reinspection_failed": ("复查：未完成整改", "re-inspection: not corrected"),
    "credit_repaired": ("信用修复", "credit repaired"),
    "explanation": ("企业说明", "company explanation"),
    "rectification_evidence": ("企业整改材料", "company rectification evidence"),
    "dispute": ("企业异议", "company dispute"),
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


# Bidirectional controls (they can reverse how a name reads: "evil\u202egpj.exe") and C0/C1 control characters
# are kept in the data but shown as a visible marker wherever a template prints a value.
_INVISIBLE = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible_controls(value: Any) -> Any:
    """A template value with every bidi or control character replaced by a visible ⟦U+XXXX⟧ marker."""
    # Called for every value a template prints: the common case (no such character) is one search.
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup) and _INVISIBLE.search(value) is not None:
        return _INVISIBLE.sub(lambda m: f"⟦U+{ord(m.group()):04X}⟧", value)
    return value


# What a printed string may need changed: a control character, or a character HTML escaping replaces.
_SPECIAL = re.compile("[&<>'\"\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_DICT_ATTRIBUTES = frozenset(dir(dict))


def shown(value: Any) -> Any:
    """What a template prints for `{{ value }}`: HTML-escaped, controls made visible (visible_controls); the
    same text as Jinja's escape(finalize(value)), in one call, and a plain string when nothing needs changing
    (most values: one search)."""
    if type(value) is str and _SPECIAL.search(value) is None:
        return value
    return markupsafe.escape(visible_controls(value))


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Compiles `{{ value }}` in autoescaped templates to `environment.shown(value)` instead of
    `escape(environment.finalize(value))`: two calls and a Markup object less for every value printed."""

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.shown(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


class _Environment(jinja2.Environment):
    """The templates' values are dicts: `row.column` looks the key up first (Jinja tries the attribute first,
    which costs an exception each time); a dict's own attributes (`items`, `get`, …) stay attributes."""

    code_generator_class = _CodeGenerator
    shown = staticmethod(shown)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


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


@cache
def environment() -> jinja2.Environment:
    """The templates' environment, one per process: a worker renders many shards, each template is compiled once."""
    env = _Environment(
        loader=jinja2.FileSystemLoader(SITE_SRC / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=visible_controls,
        auto_reload=False,  # a build never sees a template change: no stat of the file per page
    )
    env.filters["num"] = lambda v: "—" if v is None else _fmt(v)
    return env


@cache
def spider_metadata() -> dict[str, dict[str, Any]]:
    """Source id → its spider's YAML metadata, read once per process."""
    return {yml.stem: load_metadata(yml) for yml in sorted(SPIDERS.glob("*/*.yml"))}


class SiteBuilder:
    """Renders the site, or one shard of it: `scope` names a table of the enterprise ids to render (a shard's
    temporary table, etl/publish/shards.py); every per-company query is limited to it in SQL."""

    def __init__(self, con: duckdb.DuckDBPyConnection, out: Path, scope: str | None = None,
                 built_at: str | None = None) -> None:
        self.con = con
        self.out = out
        self.scope = scope
        self.previous: Path | None = None  # the published build an incremental build may reuse files of
        self.reuse_writers = False  # keep the files of site writers whose `writer_inputs` did not change
        self.recording: list[str] | None = None  # files written, while a site writer runs
        self.config: dict[str, Any] = yaml.safe_load((SITE_SRC / "site.yml").read_text(encoding="utf-8"))
        self.urls: dict[str, str] = self.config["urls"]
        self.env = environment()
        self.templates: dict[str, jinja2.Template] = {}
        self._root = out.resolve()
        self._folders: set[str] = set()  # folders made, or found to be real folders inside the site
        self.built_at = built_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.pages = 0
        self.timings: dict[str, float] = {}
        self.cited: dict[str, str] = {}  # archive digest → site-relative path of its copy
        self.monitoring: dict[str, dict[str, Any]] = {}  # "ps_code:mp_code" → charts of that outlet
        self.source_titles = {source: meta["title"] for source, meta in spider_metadata().items()}

    def scoped(self, column: str = "enterprise_id") -> str:
        """A SQL condition limiting `column` (an enterprise id) to this builder's scope (TRUE when unscoped)."""
        return f"{column} IN (SELECT enterprise_id FROM {self.scope})" if self.scope else "TRUE"

    def _company_rows(self, mart: str) -> list[dict[str, Any]]:
        return _rows(self.con, f"SELECT * FROM marts.{mart} WHERE enterprise_id IS NOT NULL AND {self.scoped()}")

    def url(self, kind: str, **values: str) -> str:
        return self.urls[kind].format(**values)

    def archive_url(self, digest: str) -> str:
        """The site path of the archived copy of a document, by its sha256; marks it for extraction."""
        content_type = self.content_types.get(digest) or ""
        ext = self.config["archive_extensions"].get(content_type.split(";")[0].strip(), ".bin")
        path = self.url("archive", digest=digest, ext=ext)
        self.cited[digest] = path
        return path

    def target(self, rel: str) -> Path:
        """The file `rel` names inside the site; paths are built from published values (permit numbers,
        codes), so one that would leave the site (`../`, absolute) is refused."""
        parts = rel.split("/")
        if "\x00" in rel or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
            target = None if "\x00" in rel else (self.out / rel).resolve()
            if target is None or not target.is_relative_to(self._root):
                raise ValueError(f"refusing to write {rel!r}: outside the site folder")
            return target
        # Plain relative segments stay inside, unless a folder on the way is a link out of the site.
        target = self._root / rel
        folder = os.path.dirname(target)
        if folder not in self._folders:
            if not target.resolve().is_relative_to(self._root):
                raise ValueError(f"refusing to write {rel!r}: outside the site folder")
            if os.path.isdir(folder) and not os.path.islink(folder):
                self._folders.add(folder)
        return target

    def _folder(self, target: Path) -> None:
        folder = os.path.dirname(target)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)

    def put(self, target: Path, data: bytes) -> None:
        """A new file: an incremental build hard-links the published one here, which is never written through
        (an existing file is unlinked first)."""
        self._folder(target)
        if self.recording is not None:
            self.recording.append(str(target))
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            os.unlink(target)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)

    def template(self, name: str) -> jinja2.Template:
        found = self.templates.get(name)
        if found is None:
            found = self.templates[name] = self.env.get_template(name)
        return found

    def write(self, rel: str, template: str, **context: Any) -> None:
        depth = rel.count("/")
        html = self.template(template).render(
            site=self.config, root="../" * depth, built_at=self.built_at, **context
        )
        self.put(self.target(rel), html.encode("utf-8"))
        self.pages += 1

    def write_json(self, rel: str, payload: dict[str, Any]) -> None:
        # Machine files: compact JSON (no indentation), UTF-8 as it is.
        self.put(self.target(rel), json.dumps(payload, ensure_ascii=False, separators=(",", ":"),
                                               default=str).encode("utf-8"))

    # -- readers ----------------------------------------------------------------------------------

    @cached_property
    def content_types(self) -> dict[str, str]:
        """Archive digest → the Content-Type the source served it with."""
        return dict(self.con.execute(
            "SELECT digest, any_value(content_type) FROM raw.archive GROUP BY digest"
        ).fetchall())

    def company_contexts(self) -> list[dict[str, Any]]:
        labels = taxonomy()[2]
        enterprises = _rows(self.con, f"SELECT * FROM marts.enterprises WHERE {self.scoped()} ORDER BY name")
        by_company: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        for p in self._company_rows("penalties"):
            p["fine_label"] = _yuan(p["fine_yuan"])
            p["types_label"] = "、".join(PENALTY_TYPE_LABELS.get(t, t) for t in p["penalty_types"] or [])
            p["link_label"] = _link_label(p["link_method"], p["link_score"])
            p["violation_labels"] = [labels.get(v, {"label": v, "label_en": v}) for v in p["violation_types"]]
            p["serious_labels"] = [labels.get(f"serious:{r}", {"label": r, "label_en": r})
                                   for r in p["serious_reasons"]]
            p["archive_url"] = self.archive_url(p["archive_digest"])
            p["fetched_date"] = p["fetched_at"].strftime("%Y-%m-%d")
            p["anchor"] = "r-" + p["record_id"].split(":", 1)[1].replace(" ", "")
            for copy in p["also_published"]:
                copy["archive_url"] = self.archive_url(copy["archive_digest"])
                copy["title"] = self.source_titles.get(copy["source"], copy["source"])
            by_company[p["enterprise_id"]]["penalties"].append(p)
        for r in self._company_rows("credit_ratings"):
            r["grade_css"], r["grade_zh"], r["grade_en"] = GRADES.get(r["grade"], ("", r["grade_label"], ""))
            r["serious_labels"] = [labels.get(f"serious:{x}", {"label": x, "label_en": x})
                                   for x in r["serious_reasons"]]
            r["link_label"] = _link_label(r["link_method"], r["link_score"])
            r["archive_url"] = self.archive_url(r["archive_digest"])
            by_company[r["enterprise_id"]]["ratings"].append(r)
        for o in self._company_rows("correction_orders"):
            o["link_label"] = _link_label(o["link_method"], o["link_score"])
            o["archive_url"] = self.archive_url(o["archive_digest"])
            by_company[o["enterprise_id"]]["orders"].append(o)
        for c in self._company_rows("cleaner_production"):
            c["audit_labels"] = [AUDIT_TYPES.get(t, t) for t in c["audit_type"] or []]
            c["link_label"] = _link_label(c["link_method"], c["link_score"])
            c["archive_url"] = self.archive_url(c["archive_digest"])
            by_company[c["enterprise_id"]]["audits"].append(c)
        for p in self._company_rows("permits"):
            p["archive_url"] = self.archive_url(p["archive_digest"])
            by_company[p["enterprise_id"]]["permits"].append(p)
        for plant in self._company_rows("plants"):
            plant["archive_url"] = self.archive_url(plant["archive_digest"])
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
        # The columns shown only (a company has a row per pollutant and day: the rest would cost conversions).
        values = _rows(self.con, "SELECT ps_code, mp_code, pollutant_code, pollutant_name, day, value, limit_value, "
                                 "remark, flagged, exceeded, exceedance_multiple FROM marts.monitoring_values "
                                 f"WHERE enterprise_id IS NOT NULL AND {self.scoped()} "
                                 "ORDER BY ps_code, mp_code, pollutant_code, day")
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

    def _attach_follow_up(self, companies: list[dict[str, Any]]) -> None:
        """Each penalty's status and timeline; each company's open records, exceedance days in the last 12
        months and its 12-quarter compliance grid."""
        in_scope = "TRUE" if not self.scope else \
            f"record_id IN (SELECT record_id FROM marts.penalties WHERE {self.scoped()})"
        status = {r["record_id"]: r for r in _rows(self.con, f"SELECT * FROM marts.record_status WHERE {in_scope}")}
        timeline: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in _rows(self.con, "SELECT * FROM marts.record_timeline WHERE record_id IS NOT NULL "
                                     f"AND event_type <> 'decision' AND {in_scope} ORDER BY event_date, event_id"):
            event["label"] = EVENT_LABELS.get(event["event_type"], (event["event_type"], ""))
            if event["archive_digest"]:
                event["archive_url"] = self.archive_url(event["archive_digest"])
            timeline[event["record_id"]].append(event)
        exceedance_days = dict(self.con.execute(
            "SELECT enterprise_id, count(DISTINCT day) FROM marts.outlet_values WHERE exceeded "
            "AND day > (SELECT max(day) FROM marts.outlet_values) - INTERVAL 12 MONTH "
            f"AND {self.scoped()} GROUP BY 1").fetchall())
        grids: dict[str, dict[str, Any]] = defaultdict(lambda: {"quarters": [], "rows": {}})
        for q in _rows(self.con, f"SELECT * FROM marts.compliance_quarterly WHERE {self.scoped()} "
                                 "ORDER BY quarter_start"):
            grid = grids[q["enterprise_id"]]
            label = "全厂 Whole site" if q["scope"] == "enterprise" else (q["outlet_label"] or q["outlet_ref"])
            if q["quarter"] not in grid["quarters"]:
                grid["quarters"].append(q["quarter"])
            grid["rows"].setdefault((q["scope"] != "enterprise", label), []).append(q)
        for context in companies:
            eid = context["e"]["enterprise_id"]
            for p in context["penalties"]:
                s = status.get(p["record_id"], {})
                p["status"] = s.get("status", "open")
                p["status_label"] = STATUS_LABELS.get(p["status"], (p["status"], ""))
                p["timeline"] = timeline.get(p["record_id"], [])
            context["e"]["open_records"] = sum(1 for p in context["penalties"] if p["status"] == "open")
            context["e"]["exceedance_days_12m"] = exceedance_days.get(eid, 0)
            grid = grids.get(eid)
            context["grid"] = None if grid is None else {
                "quarters": grid["quarters"],
                "rows": [{"label": label, "cells": cells} for (_, label), cells in sorted(grid["rows"].items())],
            }

    def sources(self) -> list[dict[str, Any]]:
        reports = {
            row["source"]: row
            for row in _rows(self.con, "SELECT source, arg_max(finished, finished) AS finished, "
                                       "arg_max(ok, finished) AS ok FROM raw.crawl_reports GROUP BY source")
        }
        counts = dict(self.con.execute(
            "SELECT source, count(DISTINCT record_id) FROM raw.items GROUP BY source").fetchall())
        out = []
        for source, meta in spider_metadata().items():
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
        """The whole site in one process (every company, then the site-wide pages)."""
        companies = self.build_companies()
        self.build_site(companies)

    def inputs_fingerprint(self, inputs: list[str]) -> str:
        """A hash of the warehouse data a writer reads: `schema.table` or `schema.table(column, …)`, each
        every row hashed and summed; a `raw.` table is append-only: its row count and last load id."""
        parts = []
        for spec in inputs:
            found = re.fullmatch(r"(\w+\.\w+)(?:\(([\w, ]+)\))?", spec)
            if found is None:
                raise ValueError(f"site.yml writer_inputs: {spec!r} is not schema.table or schema.table(col, …)")
            table, cols = found.groups()
            row = f"({cols})" if cols else "(t)"
            what = "max(load_id)" if table.startswith("raw.") else f"CAST(sum(hash{row}::HUGEINT) AS VARCHAR)"
            parts.append(self.con.execute(f"SELECT count(*), {what} FROM {table} t").fetchall()[0])
        return hashlib.sha256(json.dumps([inputs, parts], default=str).encode()).hexdigest()

    def _reuse(self, previous: dict[str, Any] | None, fingerprint: str) -> bool:
        """Hard-link a writer's files from the previous build when what it read is unchanged."""
        if previous is None or previous["fingerprint"] != fingerprint or self.previous is None:
            return False
        if not all((self.previous / rel).is_file() for rel in previous["files"]):
            return False
        for rel in previous["files"]:
            target = self.target(rel)
            self._folder(target)
            target.unlink(missing_ok=True)
            os.link(self.previous / rel, target)
        return True

    def writers(self, key: str) -> list[Any]:
        """The writer functions `site.yml` lists under `key` ("module:function", called with (builder, companies))."""
        out = []
        for target in self.config.get(key, []):
            module_name, function = target.split(":")
            out.append(getattr(importlib.import_module(module_name), function))
        return out

    def build_companies(self) -> list[dict[str, Any]]:
        """The pages of the companies in scope: company page and JSON, outlet pages, and the per-company writers
        (`company_writers` in site.yml: risk, feeds); returns their page contexts. `timings`: CPU seconds of
        this process (all its threads) in each phase, which a busy machine inflates less than wall time."""
        started = time.process_time()
        companies = self.company_contexts()
        self._attach_follow_up(companies)
        self.timings["read"] = time.process_time() - started
        outlets = write_outlets(self, companies, self.monitoring)
        for context in companies:
            context["outlets"] = outlets.get(context["e"]["enterprise_id"], [])
        # Company writers may add to the contexts (risk does), so they run before the company pages are written.
        for writer in self.writers("company_writers"):
            writer(self, companies)
        for context in companies:
            self.write(context["e"]["url"], "company.html", **context)
            self.write_json(context["e"]["url"].removesuffix(".html") + ".json", company_json(context))
        self.company_count = len(companies)
        self.timings["render"] = time.process_time() - started - self.timings["read"]
        return companies

    def site_contexts(self) -> list[dict[str, Any]]:
        """Every company with its penalties only: what the site-wide pages (home, lists, map) show."""
        by_company: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in _rows(self.con, "SELECT record_id, enterprise_id, decision_number, decision_date, fine_yuan, "
                                 "violation_types, serious FROM marts.penalties WHERE enterprise_id IS NOT NULL"):
            p["fine_label"] = _yuan(p["fine_yuan"])
            p["violation_types"] = p["violation_types"] or []
            p["anchor"] = "r-" + p["record_id"].split(":", 1)[1].replace(" ", "")
            by_company[p["enterprise_id"]].append(p)
        contexts = []
        for e in _rows(self.con, "SELECT * FROM marts.enterprises ORDER BY name"):
            e["url"] = self.url("company", enterprise_id=e["enterprise_id"])
            e["region_label"] = _region_label(e)
            e["fines_label"] = _yuan(e["fines_yuan"])
            contexts.append({"e": e, "penalties": by_company.get(e["enterprise_id"], [])})
        return contexts

    def build_site(self, companies: list[dict[str, Any]] | None = None) -> None:
        """The site-wide pages: home, lists, unmatched records, sources, the `writers` of site.yml (map,
        screening, risk weights, exports, feeds, changes) and the static assets."""
        companies = self.site_contexts() if companies is None else companies
        inputs: dict[str, list[str]] = self.config.get("writer_inputs", {})
        previous = {}
        if self.reuse_writers and self.previous and (self.previous / WRITERS_STATE).is_file():
            previous = json.loads((self.previous / WRITERS_STATE).read_text(encoding="utf-8"))
        state: dict[str, dict[str, Any]] = {}
        for name, writer in zip(self.config.get("writers", []), self.writers("writers"), strict=True):
            fingerprint = self.inputs_fingerprint(inputs[name]) if name in inputs else None
            if fingerprint is not None and self._reuse(previous.get(name), fingerprint):
                state[name] = previous[name]
                continue
            self.recording = []
            writer(self, companies)
            state[name] = {"fingerprint": fingerprint, "files": sorted(
                os.path.relpath(path, self._root) for path in self.recording)}
            self.recording = None
        self.put(self.target(WRITERS_STATE), json.dumps(state, ensure_ascii=False).encode("utf-8"))
        stats = self.con.execute(
            "SELECT (SELECT count(*) FROM marts.enterprises), (SELECT count(*) FROM marts.permits), "
            "(SELECT count(*) FROM marts.penalties), (SELECT count(*) FROM marts.plants), "
            "(SELECT count(*) FROM marts.monitoring_values WHERE exceeded)"
        ).fetchall()[0]
        # Every company up to `home_companies`; beyond, the most penalised and exceeding ones (the rest are
        # found by search and in the lists): a home page of 100,000 rows is neither usable nor cheap.
        shown = [c["e"] for c in companies]
        limit = int(self.config["home_companies"])
        if len(shown) > limit:
            shown = sorted(shown, key=lambda e: (-(e["penalty_count"] or 0) - (e["exceedance_count"] or 0),
                                                 e["name"]))[:limit]
        self.write(
            "index.html", "index.html",
            enterprises=shown, total=len(companies),
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
        shutil.copytree(SITE_SRC / "static", self.out / "static", dirs_exist_ok=True)
        self.company_count = len(companies)

    def extract_archive(self, data: Path) -> int:
        """Copy every cited source document out of the WARC files into the site.

        A source's HTML would run its scripts in the site's origin, so an HTML copy is never served as
        HTML: its bytes are written as `<digest>.html.txt` (served as text/plain; sha256 = digest), and
        `<digest>.html` is a page of the site that shows the document in an `<iframe sandbox srcdoc>`:
        no script, form, plugin or navigation of the site, in an opaque origin, under the site's CSP.
        """
        wanted = self.con.execute(
            "SELECT digest, any_value(warc), any_value(warc_offset), any_value(url), any_value(content_type), "
            "min(fetched_at) FROM raw.archive WHERE digest IN (SELECT unnest(?)) GROUP BY digest",
            [list(self.cited)],
        ).fetchall()
        by_file: dict[str, list[tuple[int, str, str, str | None, datetime]]] = defaultdict(list)
        for digest, warc, offset, url, content_type, fetched_at in wanted:
            by_file[warc].append((offset, digest, url, content_type, fetched_at))
        written = 0
        for warc, entries in by_file.items():
            with (data / "raw" / warc).open("rb") as fh:
                for offset, digest, url, content_type, fetched_at in sorted(entries):
                    fh.seek(offset)
                    record = next(iter(ArchiveIterator(fh)))
                    body = record.content_stream().read()
                    rel = self.cited[digest]
                    if not rel.endswith(".html"):
                        target = self.target(rel)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(body)
                    else:
                        source = self.target(rel + ".txt")
                        source.parent.mkdir(parents=True, exist_ok=True)
                        source.write_bytes(body)
                        self.write(rel, "archive.html", digest=digest, url=url, source_name=source.name,
                                   fetched=fetched_at.strftime("%Y-%m-%d %H:%M UTC"),
                                   document=_decode_html(body, content_type or ""))
                        self.pages -= 1  # archived copies are evidence, not pages of the site
                    written += 1
        return written


def _decode_html(body: bytes, content_type: str) -> str:
    """An archived page as text, in the charset it declares (header, else meta tag, else UTF-8); bytes
    that are not in that charset become U+FFFD (the original bytes are kept beside it)."""
    charset = declared_charset(content_type, body, "utf-8")
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


_JSON_DROP = {
    "status_label", "monitoring", "limits", "grade_css", "grade_zh", "grade_en", "audit_labels", "fine_label",
    "types_label", "link_label", "anchor", "fetched_date", "outlets", "violation_labels", "serious_labels",
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


def build(out: Path | None = None, db_path: Path | None = None, search: bool = True, *, incremental: bool = False,
          shards: list[str] | None = None, workers: int | None = None) -> BuildResult:
    """Build the site in shards, in parallel processes (etl/publish/shards.py), and publish it atomically."""
    from etl.publish import shards as sharded

    done = sharded.build(out, db_path, search=search, workers=workers, incremental=incremental, shards=shards)
    return BuildResult(done.path, done.pages, done.companies, done.archived, done.pagefind)
