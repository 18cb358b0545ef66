"""Code repair and name normalisation, on the real failures of the incineration plants table."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.normalise import compatible, normalise_name, repair_code, resolve_region
from tests.conftest import shared_data


@pytest.mark.parametrize(("printed", "status", "used", "reason"), [
    ("91210600MAOYNYRU3T", "repaired", "91210600MA0YNYRU3T", "repaired: letter O read as 0"),
    ("91341622MA2POX8N26", "repaired", "91341622MA2P0X8N26", "repaired: letter O read as 0"),
    ("91431100MA4QALHKIB", "repaired", "91431100MA4QALHK1B", "repaired: letter I read as 1"),
    ("91371525696863217Q001V", "repaired", "91371525696863217Q",
     "repaired: permit number printed (22 characters): its first 18 are the USCC"),
    ("914401016893140172（1）", "repaired", "914401016893140172", "repaired: running number (1) after the code removed"),
    ("913502007980712884（03）", "repaired", "913502007980712884",
     "repaired: running number (03) after the code removed"),
    ("912102200064442270Y", "repaired", "91210200064442270Y",
     "repaired: 19 characters: only deleting the 2 at position 6 gives a valid code"),
    ("91320922081500997001", "repaired", "913209220815009970",
     "repaired: 20 characters: the first 18 are a valid code, 01 after it dropped"),
    ("59446982-5", "org_code", "594469825", "old organisation code (GB 11714): positions 9-17 of a USCC"),
    ("66277825-x", "org_code", "66277825X", "old organisation code (GB 11714): positions 9-17 of a USCC"),
    ("91110108551385082Q", "valid", "91110108551385082Q", ""),
    ("9133040*******123X", "masked", None, "characters masked by the publisher"),
    (None, "empty", None, ""),
])
def test_repair(printed: str | None, status: str, used: str | None, reason: str) -> None:
    result = repair_code(printed)
    assert (result.status, result.used, result.reason) == (status, used, reason)
    assert result.printed == (printed or "")


def test_wrong_check_character_is_flagged_not_repaired() -> None:
    # 新乡 is 410700: the 1 was typed as 0; but three other single changes give valid codes too.
    result = repair_code("91400700697317111L")
    assert (result.status, result.used) == ("invalid", None)
    assert result.reason.startswith("check character (GB 32100) fails; 4 single-character corrections")
    assert "91410700697317111L" in result.candidates and len(result.candidates) == 4


def test_nineteen_characters_with_two_readings_is_not_repaired() -> None:
    result = repair_code("913501000062278577Q")
    assert (result.status, result.used) == ("invalid", None)
    assert result.candidates == ("91350100062278577Q", "91501000062278577Q")


def test_real_plants_codes_classified() -> None:
    plants = pd.read_csv(shared_data("incineration", "plants.csv"), dtype=str, keep_default_na=False)
    results = [repair_code(c) for c in plants["credit_code"]]
    counts = pd.Series([r.status for r in results]).value_counts().to_dict()
    assert counts == {"valid": 441, "repaired": 10, "org_code": 8, "invalid": 8}
    reasons = {r.printed: r.reason for r in results}
    assert reasons["23651489-3"] == "organisation code (GB 11714) whose check character fails"
    for r in results:
        assert r.status != "repaired" or (r.used and r.reason.startswith("repaired: "))
        assert r.status != "invalid" or r.used is None


@pytest.mark.parametrize(("text", "code"), [
    ("浙江省嘉兴市南湖区兴业路1号", "330402"), ("辽宁-朝阳", "211300"), ("黑龙江-哈尔滨-香坊区", "230110"),
    ("灌云县经济开发区浙江中路南侧", "320723"), ("上海-奉贤", "310120"), ("嘉兴", "330400"),
    ("青海-西宁-大通回族土族自治县", "630121"), ("柘林镇漴缺村1490号", None), (None, None),
])
def test_resolve_region(text: str | None, code: str | None) -> None:
    assert resolve_region(text) == code


@pytest.mark.parametrize(("a", "b"), [
    ("嘉兴恒瑞环保能源有限公司", "浙江省嘉兴市恒瑞环保能源有限责任公司"),
    ("嘉兴恒瑞环保能源有限公司", "恒瑞环保能源（南湖）有限公司"),
    ("恒瑞环保能源(南湖)有限公司", "恒瑞环保能源（南湖）有限公司"),
    ("嘉兴 恒瑞 环保能源 有限公司", "嘉兴恒瑞环保能源有限公司"),
    ("ＡＢＣ环保有限公司", "ABC环保有限公司"),
    ("厦门市政环能股份有限公司（后坑垃圾焚烧发电厂）", "厦门市政环能股份有限公司海沧厂"),
])
def test_same_core(a: str, b: str) -> None:
    assert normalise_name(a).core == normalise_name(b).core


def test_name_parts() -> None:
    n = normalise_name("光大城乡再生能源（灌云）有限公司")
    assert (n.core, n.legal_form, n.branch, n.regions) == ("光大城乡再生能源", "有限公司", None, {"320723"})
    assert normalise_name("光大城乡再生能源（夏邑）有限公司").regions == {"411426"}
    n = normalise_name("浙江省嘉兴市恒瑞环保能源有限责任公司")
    assert (n.core, n.legal_form, n.regions) == ("恒瑞环保能源", "有限公司", {"330000", "330400"})
    n = normalise_name("江苏大吉环保能源滨海有限公司（二厂区）")
    assert (n.core, n.site) == ("大吉环保能源滨海", "二厂区")
    # a county's short name in front is kept (a brand as often as a place); after its city it is a place
    assert normalise_name("衡阳永清环保能源有限公司").core == "永清环保能源"
    assert normalise_name("诸城光大环保能源有限公司").core == normalise_name("潍坊市诸城光大环保能源有限公司").core \
        == "诸城光大环保能源"
    assert normalise_name("临海市伟明环保能源有限公司").core == "伟明环保能源"


def test_branch_keeps_its_own_identity() -> None:
    parent = normalise_name("中国石油天然气股份有限公司")
    branch = normalise_name("中国石油天然气股份有限公司浙江嘉兴销售分公司")
    assert (branch.core, branch.branch, branch.is_branch) == ("中国石油天然气", "浙江嘉兴销售", True)
    assert parent.key != branch.key and not parent.is_branch


def test_compatible_places() -> None:
    assert compatible("330000", "330402") and compatible("330400", "330402") and compatible("310000", "310120")
    assert not compatible("330402", "330411") and not compatible("330400", "320400")


def test_not_enterprises_and_masked_code_regions() -> None:
    from etl.normalise import code_region, is_enterprise_name

    assert [is_enterprise_name(n) for n in ("陈某", "王某某", "某某化工有限公司", "张三（个体工商户）", "", None)] == [
        False, False, True, True, False, False]
    assert code_region("91320500******2E46") == "320500"
    assert code_region("******************") is None
