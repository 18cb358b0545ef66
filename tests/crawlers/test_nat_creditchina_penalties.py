"""Credit China's penalty API: its replica's WAF, the strict envelope, exact 万元 amounts, and a crawl with gaps."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from crawlers.base.creditchina import (
    EnvelopeError,
    Refused,
    RowError,
    check_lookups,
    fine_in_yuan,
    parse_envelope,
    parse_penalty,
    record_key,
)
from crawlers.helpers.penalty import normalise_number
from crawlers.replay import penalties, world
from crawlers.replay.creditchina import (
    BLOCKED_KEY,
    HOST,
    JIAXING_SHARED,
    PROLIFIC_KEY,
    RECORDS,
    SEARCH,
    SITE,
    CreditChinaApi,
)
from crawlers.replay.server import ReplayServer, Request, Response
from crawlers.spiders.nat.nat_creditchina_penalties import NatCreditchinaPenaltiesSpider
from tests.conftest import read_items, run_crawl

SOURCE = "nat_creditchina_penalties"
HEADERS = {"referer": f"{SITE}/", "origin": SITE}
LOOKUPS = NatCreditchinaPenaltiesSpider.metadata["lookups"]


def records_request(keyword: str, page: int = 1, headers: dict[str, str] | None = None) -> Request:
    query = {"source": "", "type": "行政处罚", "searchState": "1", "entityType": "1", "scenes": "defaultscenario",
             "keyword": keyword, "page": str(page), "pageSize": "10"}
    return Request("GET", RECORDS, query, {}, HEADERS if headers is None else headers)


def quiet_api() -> CreditChinaApi:
    """The replica without its random refusals (the blocked keyword is still blocked)."""
    return CreditChinaApi(fail_every=0)


def page_of(response: Response) -> dict:
    return json.loads(response.encoded())


# --- the replica ---


def test_requests_without_referer_and_origin_get_412() -> None:
    api = quiet_api()
    name = world.by_key(PROLIFIC_KEY).name
    bare = api.handle(records_request(name, headers={}))
    assert bare.status == 412 and b"$_ts" in bare.encoded() and "Set-Cookie" in bare.headers
    only_referer = api.handle(records_request(name, headers={"referer": f"{SITE}/"}))
    assert only_referer.status == 412
    answer = api.handle(records_request(name))
    assert answer.status == 200
    data = page_of(answer)["data"]
    assert (data["page"], data["total"], data["totalSize"], len(data["list"])) == (1, 23, 3, 10)


def test_waf_answers_40001_then_lets_a_patient_retry_through() -> None:
    now = [0.0]
    api = CreditChinaApi(clock=lambda: now[0])
    request = next(r for r in (records_request(e.name) for e in world.enterprises())
                   if api.planned_refusals(api.request_key(r))[:1] == ("40001",))
    plan = api.planned_refusals(api.request_key(request))
    first = api.handle(request)
    assert first.status == 500
    assert page_of(first) == {"status": 40001, "message": "请刷新后重试！", "data": None}
    with pytest.raises(Refused, match="40001"):
        parse_envelope(first.status, first.encoded())
    for _ in plan[1:]:
        now[0] += 1
        assert api.handle(request).status in (412, 500)
    # Back at once: refused again. After a pause: answered.
    assert api.handle(request).status in (412, 500)
    now[0] += 1
    assert api.handle(request).status == 200


def test_412_may_come_with_an_empty_body() -> None:
    api = CreditChinaApi()
    statuses = {}
    for enterprise in world.enterprises():
        request = records_request(enterprise.name)
        if api.planned_refusals(api.request_key(request))[:1] == ("412",):
            response = api.handle(request)
            statuses[bool(response.encoded())] = response.status
    assert statuses == {True: 412, False: 412}  # a challenge page for some, nothing for others
    with pytest.raises(Refused, match="412"):
        parse_envelope(412, b"")


def test_the_blocked_keyword_is_always_refused() -> None:
    now = [0.0]
    api = CreditChinaApi(clock=lambda: now[0])
    blocked = records_request(world.by_key(BLOCKED_KEY).name)
    for _ in range(12):
        now[0] += 60
        assert api.handle(blocked).status in (412, 500)
    assert api.records_for(world.by_key(BLOCKED_KEY).name), "the refusals hide real records"


def test_entity_search() -> None:
    response = quiet_api().handle(Request("GET", SEARCH, {"keyword": "嘉兴隆盛", "page": "1", "pageSize": "10"},
                                          {}, HEADERS))
    [item] = page_of(response)["data"]["list"]
    e06 = world.by_key("e06")
    assert (item["accurate_entity_name"], item["tyshxydm"]) == (e06.name, e06.uscc)
    assert len(item["uuid"]) == 32


# --- parsing ---


def test_envelope_is_parsed_strictly() -> None:
    api = quiet_api()
    response = api.handle(records_request(world.by_key(PROLIFIC_KEY).name, page=3))
    page = parse_envelope(response.status, response.encoded())
    assert (page.page, page.total, page.pages, len(page.rows)) == (3, 23, 3, 3)
    assert all(row["CF_XDR_MC"] == world.by_key(PROLIFIC_KEY).name for row in page.rows)

    empty = api.handle(records_request("不存在的公司"))
    assert parse_envelope(empty.status, empty.encoded()).rows == []

    def envelope(status: object, data: object = None, message: str = "成功") -> bytes:
        return json.dumps({"status": status, "message": message, "data": data}, ensure_ascii=False).encode()

    good = {"list": [], "page": 1, "total": 0, "totalSize": 0}
    with pytest.raises(EnvelopeError, match="status 7"):
        parse_envelope(200, envelope(7, good))
    with pytest.raises(EnvelopeError, match="请输入"):
        parse_envelope(200, envelope(0, None, "请输入查询关键字"))
    with pytest.raises(EnvelopeError, match="unknown envelope"):
        parse_envelope(200, b'{"status": 1, "msg": "ok", "data": []}')
    with pytest.raises(EnvelopeError, match="unknown data"):
        parse_envelope(200, envelope(1, {**good, "extra": 1}))
    with pytest.raises(EnvelopeError, match="totalSize"):
        parse_envelope(200, envelope(1, {**good, "total": 11, "totalSize": 1}))
    with pytest.raises(EnvelopeError, match="not JSON"):
        parse_envelope(200, b"<html>")
    with pytest.raises(Refused):  # a 502 from the load balancer: try again later
        parse_envelope(502, b"<html>Bad Gateway</html>")
    assert not issubclass(EnvelopeError, Refused)


def test_fine_in_wan_becomes_exact_yuan() -> None:
    assert fine_in_yuan(Decimal("0.2")) == 2000
    assert fine_in_yuan(Decimal("5.212")) == 52120
    assert fine_in_yuan(28) == 280000
    assert fine_in_yuan("0.57") == 5700
    assert 0.57 * 10000 != 5700  # what float arithmetic would have stored
    assert fine_in_yuan(Decimal("3.054969")) == 30549.69
    assert fine_in_yuan(0) is None and fine_in_yuan(None) is None and fine_in_yuan("") is None
    for bad in (Decimal("-1"), "五万", True, Decimal("1.2345678")):
        with pytest.raises(RowError):
            fine_in_yuan(bad)
    # Through the envelope: JSON numbers are read as Decimal, never as float.
    body = json.dumps({"status": 1, "message": "成功", "data": {
        "list": [{"entity": {"CF_NR_FK": 0.57}, "columnList": []}], "page": 1, "total": 1, "totalSize": 1}})
    [row] = parse_envelope(200, body.encode()).rows
    assert fine_in_yuan(row["CF_NR_FK"]) == 5700


def test_a_decision_the_jiaxing_column_publishes_too() -> None:
    api = quiet_api()
    e00 = world.by_key("e00")
    response = api.handle(records_request(e00.name))
    rows = parse_envelope(response.status, response.encoded()).rows
    row = next(r for r in rows if r["CF_WSH"] == "嘉环罚〔2025〕12号")
    parsed = parse_penalty(row, LOOKUPS)
    assert parsed.unknown_fields == [] and parsed.unknown_labels == []
    fields = parsed.fields
    assert record_key(fields) == normalise_number("嘉环罚〔2025〕12号")
    assert fields["party"] == e00.name and fields["uscc"] == e00.uscc and fields["uscc_masked"] is False
    assert fields["party_type"] == "organisation"
    assert fields["legal_representative"] == penalties._party("e00").legal_representative
    assert fields["authority"] == "嘉兴市生态环境局" and len(fields["authority_code"]) == 18
    assert fields["decision_date"] == "2025-06-20"
    assert fields["fine_yuan"] == 52120 and fields["raw"]["CF_NR_FK"] == 5.212
    assert fields["fine_text"] == "罚款5.212万元"
    assert fields["penalty_types"] == ["fine"]
    # The same provisions the column's decision cites.
    assert fields["laws_applied"] == ["《排污许可管理条例》第三十六条第四项"]
    assert fields["laws_violated"] == ["《排污许可管理条例》第二十条第一款"]
    assert fields["violation_type"] == "未保证自动监测设备正常运行"
    assert set(fields["raw"]) >= {"CF_WSH", "CF_JDRQ", "CF_XDR_MC", "CF_XDR_SHXYM", "CF_CFLB", "CF_NR", "CF_WFXW",
                                  "CF_SY", "CF_YJ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_YXQ", "CF_GSJZQ",
                                  "CF_FRDB", "CF_NR_FK"}
    assert all(k.startswith("CF_") for k in fields["raw"])
    # The column printed this one with square brackets; the exchange with 〔〕: the same normalised number.
    shared = next(r for r in parse_envelope(*_answer(api, world.by_key("e06").name)).rows
                  if r["CF_WSH"] == "嘉环（海）罚字〔2024〕35号")
    assert record_key(parse_penalty(shared, LOOKUPS).fields) == normalise_number("嘉环(海)罚字[2024]35号")


def _answer(api: CreditChinaApi, keyword: str) -> tuple[int, bytes]:
    response = api.handle(records_request(keyword))
    return response.status, response.encoded()


def test_labels_and_parties_map_through_the_yaml_lookups() -> None:
    row = {"CF_WSH": "穗环罚〔2025〕1号", "CF_XDR_MC": "李某", "CF_XDR_LB": "自然人", "CF_FRDB": "李某",
           "CF_CFJG": "广州市生态环境局", "CF_JDRQ": "2025/3/5", "CF_NR_FK": Decimal("0.2"),
           "CF_CFLB": "警告；罚款,暂扣或者吊销许可证、暂扣或者吊销执照;其他-责令整治", "NEW_FIELD": 1}
    parsed = parse_penalty(row, LOOKUPS)
    assert parsed.fields["penalty_types"] == ["warning", "fine", "permit_revoked"]
    assert parsed.unknown_labels == ["CF_CFLB 其他-责令整治"]
    assert parsed.unknown_fields == ["NEW_FIELD"]
    assert parsed.fields["legal_representative"] is None  # only organisations' representatives are kept
    assert parsed.fields["decision_date"] == "2025-03-05" and parsed.fields["fine_yuan"] == 2000
    assert parsed.fields["uscc"] is None and parsed.fields["uscc_masked"] is False
    for broken in ({**row, "CF_JDRQ": "2025年3月5日"}, {**row, "CF_XDR_MC": ""}, {**row, "CF_CFJG": 3}):
        with pytest.raises(RowError):
            parse_penalty(broken, LOOKUPS)
    without_number = parse_penalty({**row, "CF_WSH": ""}, LOOKUPS).fields
    assert without_number["decision_number"] is None and record_key(without_number).startswith("h")


def test_lookups_name_our_penalty_type_codes() -> None:
    check_lookups(LOOKUPS)
    with pytest.raises(ValueError, match="penalty_types"):
        check_lookups({**LOOKUPS, "penalty_types": {"罚款": ["monetary"]}})


# --- the crawl ---


def test_crawl_retries_refusals_and_reports_the_blocked_keyword(data_dir: Path) -> None:
    # A replica of our own: its WAF remembers what it refused, and the session's replicas are shared.
    with ReplayServer(hosts=[HOST]) as server:
        [report] = run_crawl(data_dir, SOURCE, origins=server.origins)
    api = CreditChinaApi()
    blocked = world.by_key(BLOCKED_KEY).name
    obtainable = {p.number: p for e in world.enterprises() if e.name != blocked for p in api.records_for(e.name)}

    assert report["finish_reason"] == "finished"
    assert report["records"] == {"penalty": len(obtainable)}
    # The gap is in the report, named; the refusals that a retry got past are there as plain HTTP errors.
    errors = Counter(e["kind"] for e in report["errors"])
    assert set(errors) == {"http", "gap"} and errors["gap"] == 1
    [gap] = [e for e in report["errors"] if e["kind"] == "gap"]
    assert f"keyword {blocked!r} page 1" in gap["error"] and "missing" in gap["error"]
    assert {e["status"] for e in report["errors"] if e["kind"] == "http"} == {412, 500}
    assert report["ok"], "a gap is reported, not a failed crawl"

    # The archive holds every refusal: each request refused exactly as often as the WAF planned (no
    # immediate resend by RetryMiddleware), then answered; the blocked keyword 1 + limit times.
    [index_file] = (data_dir / "raw" / SOURCE).glob("*.index.jsonl")
    index = [json.loads(line) for line in index_file.read_text(encoding="utf-8").splitlines()]
    by_url: dict[str, list[int]] = defaultdict(list)
    for entry in index:
        if urlsplit(entry["url"]).path == RECORDS:
            by_url[entry["url"]].append(entry["status"])
    limit = NatCreditchinaPenaltiesSpider.metadata["config"]["retry"]["limit"]
    refused = 0
    for url, statuses in by_url.items():
        query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        if query["keyword"] == blocked:
            assert len(statuses) == 1 + limit and set(statuses) <= {412, 500}
            continue
        plan = api.planned_refusals(api.request_key(Request("GET", RECORDS, query, {}, {})))
        assert statuses == [{"412": 412, "40001": 500}[p] for p in plan] + [200], (query["keyword"], statuses)
        refused += len(plan)
    assert refused >= 8
    statuses = Counter(entry["status"] for entry in index)
    assert statuses[412] and statuses[500]

    items = read_items(data_dir, SOURCE)
    assert len({item["record_id"] for item in items}) == len(items) == len(obtainable)
    by_id = {item["record_id"]: item for item in items}
    for number, penalty in obtainable.items():
        key = normalise_number(number) if number else None
        fields = next(i["fields"] for i in items if i["fields"]["decision_number"] == (number or None)
                      and i["fields"]["party"] == world.by_key(penalty.key).name)
        if key:
            assert f"{SOURCE}:{key}" in by_id
        expected = None if penalty.fine is None else penalty.fine
        assert (None if fields["fine_yuan"] is None else Decimal(str(fields["fine_yuan"]))) == expected
    assert sum(1 for i in items if i["fields"]["party"] == world.by_key(PROLIFIC_KEY).name) == 23
    # The decisions the 嘉兴 column publishes too, under the same normalised 文号.
    for number in JIAXING_SHARED:
        assert f"{SOURCE}:{normalise_number(number)}" in by_id
    for item in items:
        assert item["kind"] == "penalty" and item["archive"]["digest"]
        assert item["fields"]["authority"].endswith(("生态环境局", "分局"))
        assert set(item["fields"]) >= {"decision_number", "decision_number_norm", "party", "uscc", "uscc_masked",
                                       "legal_representative", "authority", "authority_code", "decision_date",
                                       "fine_yuan", "fine_text", "penalty_types", "facts", "violation_type",
                                       "laws_applied", "valid_until", "raw"}
