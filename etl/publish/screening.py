"""The in-browser supplier screening page: `screen.html`, `screen/index.json` and `screen/rules.json`.

The page (site/static/screen.js) matches a list the visitor opens or pastes without sending it anywhere. It
matches the way `qingtian screen` does, from data this writer exports, not from a second copy of the rules:
`rules.json` is `etl/normalise.yml` as it is, the division-name index `etl.normalise.region_index()` builds
from it, and the thresholds of `etl/match.yml`; `index.json` is the reference side of `etl.screen.Reference`
(every enterprise's names already normalised, its places and its blocks), with what a brand wants to see per
match: open and serious records, the latest credit grade, the company page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from etl import risk
from etl.match import THRESHOLDS
from etl.normalise import RULES, region_index
from etl.screen import Reference

INDEX_VERSION = 1


def rules_payload() -> dict[str, Any]:
    """The normalisation rules and thresholds the page applies to the visitor's rows."""
    index = region_index()
    return {
        "version": INDEX_VERSION,
        "rules": RULES,
        "regions": {
            "full": {name: sorted(codes) for name, codes in sorted(index.full.items())},
            "short": {name: sorted(codes) for name, codes in sorted(index.short.items())},
            "longest": index.longest,
        },
        "thresholds": THRESHOLDS,
    }


def reference_frame(con: Any) -> pd.DataFrame:
    cursor = con.execute("SELECT enterprise_id, uscc, name, aliases, region_code, address "
                         "FROM marts.enterprises ORDER BY enterprise_id")
    frame = pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description], dtype=object)
    return frame.where(frame.notna(), None)


def index_payload(reference: Reference, facts: dict[str, dict[str, Any]], urls: dict[str, str]) -> dict[str, Any]:
    """Per enterprise: id, name, USCC, places and names (key, choice text, legal form, branch, place hints)
    exactly as `etl.match.NameIndex` holds them, so the page needs no region lookups for the reference."""
    idx = reference.index
    names: list[list[list[Any]]] = [[] for _ in idx.ids]
    for c, (name, owner) in enumerate(zip(idx.names, idx.owner.tolist(), strict=True)):
        names[owner].append([name.key, idx.texts[c], name.legal_form, name.is_branch, sorted(name.regions)])
    enterprises = []
    for i, eid in enumerate(idx.ids):
        f = facts.get(eid, {})
        enterprises.append({
            "id": eid, "name": reference.names[eid], "uscc": reference.uscc.get(eid),
            "region": f.get("region_code"), "places": sorted(idx.places[i]), "names": names[i],
            "open": f.get("open", 0), "serious": f.get("serious", 0), "grade": f.get("grade"),
            "url": urls.get(eid),
        })
    return {"version": INDEX_VERSION, "enterprises": enterprises}


def enterprise_facts(con: Any, as_of: date) -> dict[str, dict[str, Any]]:
    """Open and serious records and the latest credit grade per enterprise, as of `as_of`."""
    rows = con.execute("SELECT enterprise_id, region_code, serious_2y, credit_grade FROM marts.enterprises"
                       ).fetchall()
    open_counts = risk.open_record_counts(con, as_of)
    return {eid: {"region_code": region, "serious": int(serious or 0), "grade": grade,
                  "open": open_counts.get(eid, 0)} for eid, region, serious, grade in rows}


def write_screening(builder: Any, companies: list[dict[str, Any]]) -> None:
    reference = Reference(reference_frame(builder.con))
    urls = {c["e"]["enterprise_id"]: c["e"]["url"] for c in companies}
    facts = enterprise_facts(builder.con, date.today())
    builder.write_json("screen/rules.json", rules_payload())
    builder.write_json("screen/index.json", index_payload(reference, facts, urls))
    builder.write(builder.url("screen"), "screen.html", enterprises=len(reference.names),
                  thresholds=THRESHOLDS)
