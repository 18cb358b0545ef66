"""Properties and fuzzing of every parser of untrusted input (hypothesis).

`make test` runs the small default profile; `make fuzz` runs the same properties with
HYPOTHESIS_PROFILE=fuzz (hundreds of thousands of inputs in all). Parsers may only fail with ValueError
(or their own subclasses of it); round trips hold for generated values.
"""

from __future__ import annotations

import contextlib
import json
import os
import string
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crawlers.base import mee_permit, trs_cms
from crawlers.helpers import hj212, numerals, penalty, uscc
from crawlers.replay import penalties as replica
from etl import normalise
from tests.conftest import fetch

settings.register_profile("qingtian", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
# 17 properties × 20,000 (QINGTIAN_FUZZ_EXAMPLES overrides) = 340,000 generated inputs, about 80 min on 2 cores.
settings.register_profile("fuzz", max_examples=int(os.environ.get("QINGTIAN_FUZZ_EXAMPLES", "20000")), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "qingtian"))

# Text that looks like what sources publish: CJK, digits, numerals, brackets, punctuation, anything else.
SOURCE_CHARS = ("零〇一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟元角分整年月日号罚〔〕[]()（）【】：:;；，,。"
                "￥¥.-*xX ×\n\t\u3000" + string.ascii_letters + string.digits)
source_text = st.one_of(st.text(alphabet=SOURCE_CHARS, max_size=40), st.text(max_size=40))
UNTRUSTED = (ValueError,)


def mutate(text: str) -> st.SearchStrategy[str]:
    """A published page with a slice cut out, a slice repeated or a fragment inserted."""

    @st.composite
    def edits(draw: st.DrawFn) -> str:
        out = text
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(out)))
            j = draw(st.integers(i, min(len(out), i + 200)))
            action = draw(st.sampled_from(("cut", "repeat", "insert")))
            if action == "cut":
                out = out[:i] + out[j:]
            elif action == "repeat":
                out = out[:j] + out[i:j] + out[j:]
            else:
                out = out[:i] + draw(source_text) + out[i:]
        return out

    return edits()


# -- codes: USCC (GB 32100) and organisation codes (GB 11714) ---------------------------------------------------

ORG_CHARS = string.digits + string.ascii_uppercase
usccs = st.builds(uscc.make, st.text(string.digits, min_size=6, max_size=6),
                  st.text(uscc.ALPHABET, min_size=8, max_size=8), st.sampled_from(("91", "92", "93", "11", "12", "52")))


@given(usccs)
def test_made_usccs_are_valid(code: str) -> None:
    assert uscc.is_valid(code) and uscc.check(code).status == "valid" and uscc.check(code).code == code
    assert normalise.repair_code(code).status == "valid"
    assert normalise.repair_code(f" {code[:6]}-{code[6:]} ").uscc == code  # spaces and dashes tolerated


@given(usccs, st.integers(0, 17), st.sampled_from(uscc.ALPHABET))
def test_one_changed_character_is_never_valid(code: str, at: int, char: str) -> None:
    assume(code[at] != char)
    corrupted = code[:at] + char + code[at + 1:]
    assert not uscc.is_valid(corrupted)
    assert uscc.check(corrupted).status == "invalid"
    result = normalise.repair_code(corrupted)
    assert result.status != "valid"  # repaired (flagged, with candidates) at most, never taken as printed
    assert result.status != "repaired" or uscc.is_valid(result.used or "")


@given(st.one_of(source_text, usccs.map(lambda c: c[:-1]), st.text(ORG_CHARS + "*-IOSVZ ", max_size=24)))
def test_code_checks_never_raise(printed: str) -> None:
    checked = uscc.check(printed)
    assert checked.status in ("valid", "invalid", "masked", "empty")
    repaired = normalise.repair_code(printed)
    assert repaired.used is None or repaired.status != "valid" or uscc.is_valid(repaired.used)
    uscc.is_valid_org_code(printed)


# -- money and dates in Chinese numerals ---------------------------------------------------------------------


@given(st.integers(0, 10**12 - 1), st.sampled_from(("capital", "lower")))
def test_numerals_of_integers_parse_back(value: int, style: str) -> None:
    digits, units = ("零壹贰叁肆伍陆柒捌玖", "拾佰仟") if style == "capital" else ("零一二三四五六七八九", "十百千")
    assert numerals.parse_integer(replica.render_number(value, digits, units)) == value


@given(st.integers(0, 10**10), st.integers(0, 99))
def test_amounts_in_capitals_with_jiao_and_fen_parse_back(yuan: int, fen: int) -> None:
    amount = Decimal(yuan) + Decimal(fen) / 100
    parsed = numerals.parse_amount(replica.capital_yuan(amount))
    assert Decimal(str(parsed)) == amount


@given(st.integers(1, 10**9), st.sampled_from(sorted(replica.AMOUNT_STYLES)))
def test_every_published_amount_style_parses_back(yuan: int, style: str) -> None:
    assume(style != "lower" or yuan < 10**8)
    assert penalty.fine_in(f"我局决定对你单位罚款{replica.AMOUNT_STYLES[style](yuan)}。")[0] == yuan


@given(st.dates(date(1990, 1, 1), date(2099, 12, 31)))
def test_dates_in_digits_and_numerals_parse_back(day: date) -> None:
    assert numerals.parse_date(replica.digits_date(day)) == day
    assert numerals.parse_date(replica.chinese_date(day)) == day


@given(source_text)
def test_numeral_parsers_fail_only_with_value_errors(text: str) -> None:
    for parse in (numerals.parse_amount, numerals.parse_number, numerals.parse_integer, numerals.parse_date):
        with contextlib.suppress(UNTRUSTED):
            parse(text)


# -- decision numbers and decisions ---------------------------------------------------------------------------


@given(source_text)
def test_normalised_decision_numbers_are_stable(number: str) -> None:
    once = penalty.normalise_number(number)
    assert penalty.normalise_number(once) == once
    assert not any(ch.isspace() for ch in once)


@given(st.sampled_from([c.number for c in replica.CASES]), st.lists(st.sampled_from(" \u3000\t"), max_size=3))
def test_printed_variants_of_a_number_normalise_alike(number: str, spaces: list[str]) -> None:
    spaced = "".join(spaces).join(number)
    assert penalty.normalise_number(spaced) == penalty.normalise_number(number)


@cache
def decision_texts() -> tuple[str, ...]:
    column = replica.JiaxingPenaltyColumn()
    texts = []
    for page in list(column.pages.values())[:12]:
        body = column.article(page).encoded()
        text = trs_cms.decode_page(body, column.article(page).content_type, "utf-8")
        texts.append(trs_cms.article_text(text, "//div[contains(@class, 'TRS_Editor')]"))
    return tuple(texts)


@given(st.data())
def test_decision_parser_fails_cleanly_on_damaged_decisions(data: st.DataObject) -> None:
    text = data.draw(mutate(data.draw(st.sampled_from(decision_texts()))))
    try:
        fields = penalty.parse_decision(text)
    except UNTRUSTED:
        return
    assert fields["decision_number_norm"] == penalty.normalise_number(fields["decision_number"])
    assert fields["fine_yuan"] is None or fields["fine_yuan"] >= 0


@given(source_text)
def test_decision_parser_fails_cleanly_on_any_text(text: str) -> None:
    with contextlib.suppress(UNTRUSTED):
        penalty.parse_decision(text)


# -- HJ 212 frames -----------------------------------------------------------------------------------------------

value_text = st.text(string.ascii_letters + string.digits + ".-", min_size=1, max_size=10)
segments = st.builds(
    lambda qn, cn, mn, values: (f"QN={qn};ST=22;CN={cn};PW=123456;MN={mn};Flag=5;CP=&&DataTime=20250101120000;"
                                + ";".join(f"{code}-Rtd={value},{code}-Flag=N" for code, value in values) + "&&"),
    st.text(string.digits, min_size=17, max_size=17), st.sampled_from(("2011", "2051", "2061", "2031")),
    st.text(ORG_CHARS, min_size=1, max_size=24),
    st.lists(st.tuples(st.text(string.ascii_lowercase + string.digits, min_size=3, max_size=6), value_text),
             max_size=6, unique_by=lambda t: t[0]),
)


@given(segments)
def test_framed_segments_parse_back(segment: str) -> None:
    parsed = hj212.parse(hj212.frame(segment))
    assert parsed.header["ST"] == "22" and parsed.data_time == datetime(2025, 1, 1, 12)
    for item in filter(None, segment.split("CP=&&")[1][:-2].split(";")[1:]):
        code = item.split("-", 1)[0]
        assert parsed.values[code]["Rtd"] == item.split(",")[0].split("=", 1)[1]


@given(st.one_of(segments.map(hj212.frame).flatmap(mutate), st.text(string.printable, max_size=60).map(hj212.frame),
                source_text))
def test_frame_parser_fails_only_with_frame_errors(frame: str) -> None:
    with contextlib.suppress(hj212.FrameError):
        hj212.parse(frame)


# -- pages: TRS columns and the permit platform -------------------------------------------------------------------


@cache
def column_pages() -> tuple[str, ...]:
    first = fetch(replica.HOST, "/xxgk/xzcf/index.shtml").body
    articles = [replica.JiaxingPenaltyColumn().article(p).body for p in list(replica.JiaxingPenaltyColumn().pages.values())[:4]]
    return tuple(b if isinstance(b, str) else b.decode("utf-8", "replace") for b in (first, *articles))


@given(st.data())
def test_trs_page_helpers_fail_cleanly(data: st.DataObject) -> None:
    page = data.draw(st.one_of(st.sampled_from(column_pages()).flatmap(mutate), source_text))
    trs_cms.html_lines(page)
    for parse in (trs_cms.pager, lambda t: trs_cms.article_text(t, "//div[contains(@class, 'TRS_Editor')]")):
        with contextlib.suppress(UNTRUSTED):
            parse(page)
    charset = trs_cms.declared_charset(data.draw(source_text), page.encode("utf-8", "surrogatepass"), "utf-8")
    assert charset == charset.lower()


PERMIT = "permit.mee.gov.cn"
DETAIL = "/perxxgkinfo/xkgkAction!xkgk.action"
PARSERS = {
    "getxxgkContent": mee_permit.parse_detail,
    "approveAtmosphere_xkzgk": mee_permit.parse_air_tab,
    "approveWater_xkzgk": mee_permit.parse_water_tab,
    "approveothercon_xkzgk": mee_permit.parse_other_tab,
}


@cache
def permit_pages() -> tuple[tuple[str, str], ...]:
    pages = [("list", fetch(PERMIT, "/perxxgkinfo/syssb/xkgg/xkgg!licenseInformation.action").body)]
    for tab in PARSERS:
        for dataid in ("71d22495144da08cfb15acbd01fdac1f", "a0706dd3e1f729268c0b778d037d4b17"):
            pages.append((tab, fetch(PERMIT, DETAIL, query={"xkgk": tab, "dataid": dataid, "isVersion": "",
                                                             "operate": "readonly"}).body))
    return tuple((tab, body if isinstance(body, str) else body.decode("utf-8")) for tab, body in pages)


@given(st.data())
def test_permit_tab_parsers_fail_cleanly_on_damaged_pages(data: st.DataObject) -> None:
    tab, page = data.draw(st.sampled_from(permit_pages()))
    damaged = data.draw(mutate(page))
    parse: Any = mee_permit.parse_list if tab == "list" else PARSERS[tab]
    with contextlib.suppress(UNTRUSTED):
        parse(damaged)


@given(st.one_of(source_text, st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                                           lambda inner: st.lists(inner, max_size=3)
                                           | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                                           max_leaves=8).map(json.dumps)))
def test_permit_json_answers_fail_cleanly(text: str) -> None:
    for parse in (mee_permit.parse_regions, mee_permit.parse_industry_tree):
        with contextlib.suppress(UNTRUSTED):
            parse(text)


@pytest.mark.parametrize("tab", sorted(PARSERS))
def test_the_undamaged_permit_pages_parse(tab: str) -> None:
    assert all(PARSERS[t](page) for t, page in permit_pages() if t == tab)
