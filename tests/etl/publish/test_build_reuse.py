"""What makes builds fast without changing what they publish: Atom written as text (the same bytes
ElementTree wrote), risk JSON without a deep copy, exports of unchanged tables reused from the previous build,
and the previous build deleted after the swap without blocking it."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path

import duckdb

from etl import risk, swap
from etl.publish import feeds
from etl.publish.exports import BOM, STATE, export
from etl.publish.risk_pages import risk_json


def _atom_with_elementtree(meta: dict[str, str], entries: list[feeds.Entry], authority: str,
                           updated: datetime) -> bytes:
    """The feed as the earlier ElementTree writer made it: the reference for the text writer."""
    ET.register_namespace("", feeds.ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{feeds.ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{feeds.ATOM}}}feed", {"xml:lang": "zh-CN"})
    sub(feed, "id", feeds._tag(authority, f"feed/{meta['name']}"))
    sub(feed, "title", meta["title"])
    sub(feed, "subtitle", meta["subtitle"])
    sub(feed, "updated", feeds._stamp(updated))
    sub(feed, "link", rel="self", type="application/atom+xml", href=meta["atom_url"])
    sub(feed, "link", rel="alternate", type="text/html", href=meta["home_url"])
    author = sub(feed, "author")
    sub(author, "name", "晴天 Qingtian")
    sub(author, "uri", meta["site_url"])
    sub(feed, "generator", "Qingtian")
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", feeds._tag(authority, f"record/{e.record_id}"))
        sub(entry, "title", e.title)
        sub(entry, "updated", feeds._stamp(e.first_seen))
        sub(entry, "published", feeds._stamp(e.first_seen))
        sub(entry, "link", rel="alternate", type="text/html", href=e.link)
        sub(entry, "link", rel="via", href=e.source_url)
        sub(entry, "category", term=e.kind)
        sub(entry, "summary", e.summary, type="text")
    ET.indent(feed, space=" ")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def test_atom_text_is_the_bytes_elementtree_wrote() -> None:
    meta = {"name": "c/91330400MA&<x>", "title": "嘉兴 <&> \"恒瑞\"", "subtitle": "evil\u202egpj.exe",
            "atom_url": "http://h/c/a.atom?x=1&y=\"2\"\n", "home_url": "http://h/", "site_url": "http://h/<"}
    entries = [
        feeds.Entry("zj:嘉环罚〔2025〕12号 <x>", "penalty", "行政处罚 Penalty：A & <b>", "机关 \"q\"\t",
                    "http://h/c/x.html#r-1&\"", "http://src/?a=1&b=\t2\r", datetime(2026, 1, 2, 3, 4, 5), 1,
                    "E1", "330000", date(2026, 1, 1), 52120.0),
        feeds.Entry("zj:2", "credit_rating", "t2", "s2", "l2", "u2", datetime(2026, 1, 1), None, None, None, None,
                    None),
    ]
    for shown in (entries, []):
        text = feeds.atom(meta, shown, "127.0.0.1", datetime(2026, 1, 3))
        assert text == _atom_with_elementtree(meta, shown, "127.0.0.1", datetime(2026, 1, 3))
    root = ET.fromstring(feeds.atom(meta, entries, "127.0.0.1", datetime(2026, 1, 3)))
    ns = {"a": feeds.ATOM}
    assert root.find("a:title", ns).text == "嘉兴 <&> \"恒瑞\""  # type: ignore[union-attr]
    assert root.find("a:link[@rel='self']", ns).get("href") == "http://h/c/a.atom?x=1&y=\"2\"\n"  # type: ignore[union-attr]
    assert [e.find("a:summary", ns).text for e in root.findall("a:entry", ns)] == ["机关 \"q\"\t", "s2"]  # type: ignore[union-attr]


def test_risk_json_is_as_json() -> None:
    flags = [
        risk.Flag("serious", "严重违法", "serious violation", 30.0, "count", 2, 60.0,
                  [{"record_id": "zj:1", "date": date(2025, 3, 1), "url": "http://x/1"}]),
        risk.Flag("grade", "信用", "grade", 10.0, "grade", 0, 0.0, []),
    ]
    result = risk.Risk("E1", date(2026, 11, 22), 60.0, "high", flags)
    assert json.dumps(risk_json(result), default=str) == json.dumps(result.as_json(), default=str)
    assert risk_json(result)["flags"][0]["evidence"][0] is not flags[0].evidence[0]


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.loads AS SELECT 7 AS load_id")
    con.execute("CREATE TABLE marts.enterprises AS SELECT 'E1' AS enterprise_id, '嘉兴恒瑞' AS name, "
                "['甲', '乙'] AS aliases")
    con.execute("CREATE TABLE marts.penalties AS SELECT 'zj:1' AS record_id, 52120.5 AS fine_yuan")
    return con


def test_exports_of_unchanged_tables_are_linked_from_the_previous_build(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "w.duckdb")
    first, second, third = (tmp_path / name for name in ("one", "two", "three"))
    done = export(con, first / "exports", root=first)
    (first / STATE).parent.mkdir()
    (first / STATE).write_text(json.dumps(done.fingerprints), encoding="utf-8")
    csv = (first / "exports" / "enterprises.csv").read_bytes()
    assert csv.startswith(BOM + b"enterprise_id,name,aliases\r\n" if b"\r\n" in csv else BOM + b"enterprise_id,")
    assert csv.decode("utf-8-sig").splitlines()[1] == 'E1,嘉兴恒瑞,"[""甲"",""乙""]"'

    con.execute("UPDATE marts.enterprises SET name = '嘉兴恒瑞环保'")
    again = export(con, second / "exports", root=second, reuse=first)
    ino = {p.name: p.stat().st_ino for p in (first / "exports").iterdir()}
    assert (second / "exports" / "penalties.csv").stat().st_ino == ino["penalties.csv"]
    assert (second / "exports" / "penalties.parquet").stat().st_ino == ino["penalties.parquet"]
    assert (second / "exports" / "enterprises.csv").stat().st_ino != ino["enterprises.csv"]
    assert "嘉兴恒瑞环保" in (second / "exports" / "enterprises.csv").read_text(encoding="utf-8-sig")
    # The manifest is the one a build from scratch writes.
    fresh = export(con, third / "exports", root=third)
    assert again.tables == fresh.tables and again.fingerprints == fresh.fingerprints
    con.close()


def test_background_publish_swaps_at_once_and_deletes_the_old_build_after(tmp_path: Path) -> None:
    out = tmp_path / "site"
    builds = []
    for n in range(3):
        fresh = tmp_path / "site.new"
        (fresh / "c").mkdir(parents=True)
        for i in range(200):
            (fresh / "c" / f"{i}.html").write_text(str(n))
        builds.append(swap.publish(fresh, out, background=True))
        assert os.readlink(out) == builds[-1].name and (out / "c" / "0.html").read_text() == str(n)
        # The earlier builds are out of the way at once: in a trash folder, not beside the site.
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("site", ".site"))) == \
            ["site", builds[-1].name]
    swap.wait_removals()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", builds[-1].name]
    # A deletion killed half-way: what it left goes with the next publish.
    (tmp_path / f"{swap.TRASH}20260101T000000000000Z" / "site.20260101T000000000000Z" / "c").mkdir(parents=True)
    fresh = tmp_path / "site.new"
    fresh.mkdir()
    last = swap.publish(fresh, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", last.name]
