"""The violation taxonomy and severity rules on realistic decision texts."""

from __future__ import annotations

import pytest

from etl.facts import classify, taxonomy


@pytest.mark.parametrize(("text", "types", "categories", "reasons", "multiple"), [
    ("经监测，化学需氧量浓度为350mg/L，超过《纺织染整工业水污染物排放标准》（GB 4287-2012）规定的200mg/L排放限值，超标0.75倍。",
     [], ("over_standard",), (), 0.75),
    ("总铬浓度为4.8mg/L，超过规定的1.5mg/L排放限值，超标2.2倍。", [], ("over_standard",), ("heavy_metal_3x",), 2.2),
    ("总铬浓度为3.27mg/L，超过规定的1.5mg/L排放限值，超标1.18倍。", [], ("over_standard",), (), 1.18),
    ("发现你单位私设一根DN110PVC暗管，将未经处理的生产废水直接排入厂区雨水管网。", ["fine", "detention"],
     ("evasion",), ("evasion", "enforcement"), None),
    ("通过修改数据采集仪中氮氧化物量程参数的方式，篡改自动监测数据。", ["fine"], ("data_fraud",), ("data_fraud",), None),
    ("将含铬皮革废碎料（HW21）约42.7吨出售给无危险废物经营许可证的个人。", ["fine", "confiscation"],
     ("hazardous_waste",), ("hazardous_waste_3t",), None),
    ("将含铬皮革废碎料（HW21）约2.1吨出售给无危险废物经营许可证的个人。", ["fine"], ("hazardous_waste",), (), None),
    ("将焚烧飞灰（HW18）约6.0吨露天堆放，未按照国家环境保护标准贮存危险废物。", ["fine"], ("hazardous_waste",), (), None),
    ("你单位拒不改正超标排放水污染物的违法行为。", ["fine", "daily_penalty"],
     ("over_standard", "daily_penalty"), ("refusal", "enforcement"), None),
    ("项目未依法报批建设项目环境影响报告表，即擅自开工建设。", ["fine"], ("no_eia",), (), None),
    ("在饮用水水源一级保护区内设置排污口。", ["fine"], ("other",), ("protected_area",), None),
    ("废钢料场露天堆放，装卸作业时产生明显扬尘。", ["fine"], ("dust_and_burning",), (), None),
    ("脱硫设施长期停运，烟气未经处理直接排放。", ["fine", "suspension"],
     ("facility_abnormal", "production_limit"), ("treatment_idle", "enforcement"), None),
])
def test_classify(text: str, types: list[str], categories: tuple[str, ...], reasons: tuple[str, ...],
                  multiple: float | None) -> None:
    result = classify(text, types)
    assert result.violation_types == categories
    assert result.serious_reasons == reasons
    assert result.serious is bool(reasons)
    assert result.exceedance_multiple == multiple


def test_every_code_has_bilingual_labels() -> None:
    categories, serious, labels = taxonomy()
    for rule in (*categories, *serious):
        key = rule.code if rule in categories else f"serious:{rule.code}"
        assert labels[key]["label"] and labels[key]["label_en"]
