"""Risk pages: `risk/<enterprise_id>.json` per company (as of the build date) and `risk.html`, the weights of
`etl/risk.yml` as published.

The company page's summary (added by the lead) can use `context["risk"]`, set here for every company:
score, level, and the raised flags with their evidence.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any

from etl import risk

_FLAG_FIELDS = [f.name for f in fields(risk.Flag) if f.name != "evidence"]


def write_company_risk(builder: Any, companies: list[dict[str, Any]]) -> None:
    """`risk/<enterprise_id>.json` per company, and `context["risk"]` for its page."""
    as_of = date.today()
    ids = [c["e"]["enterprise_id"] for c in companies]
    results = risk.compute_many(builder.con, ids, as_of)
    for context in companies:
        eid = context["e"]["enterprise_id"]
        result = results[eid]
        payload = risk_json(result)
        builder.write_json(builder.url("risk_json", enterprise_id=eid), payload)
        context["risk"] = {"score": result.score, "level": result.level, "as_of": as_of.isoformat(),
                           "flags": [f for f in payload["flags"] if f["raised"]],
                           "json_url": builder.url("risk_json", enterprise_id=eid)}


def risk_json(result: risk.Risk) -> dict[str, Any]:
    """`result.as_json()`, without `dataclasses.asdict`'s deep copy of every evidence value (a millisecond a
    company): the same keys in the same order."""
    return {
        "enterprise_id": result.enterprise_id, "as_of": result.as_of.isoformat(), "score": result.score,
        "level": result.level,
        "flags": [{**{name: getattr(f, name) for name in _FLAG_FIELDS}, "evidence": [dict(e) for e in f.evidence],
                   "raised": f.points > 0} for f in result.flags],
    }


def write_risk_page(builder: Any, companies: list[dict[str, Any]]) -> None:
    """`risk.html`: the weights of `etl/risk.yml` as published."""
    as_of = date.today()
    flags = [{"code": code, **spec, "params": {k: v for k, v in spec.items()
                                               if k not in ("label", "rule", "weight", "cap", "grades")}}
             for code, spec in risk.CONFIG["flags"].items()]
    builder.write(builder.url("risk"), "risk.html", config=risk.CONFIG, flags=flags, as_of=as_of.isoformat())


def write_risk(builder: Any, companies: list[dict[str, Any]]) -> None:
    write_company_risk(builder, companies)
    write_risk_page(builder, companies)
