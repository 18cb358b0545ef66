"""Chinese numerals in decisions: amounts in capitals, lower case, digits with 万, bracketed figures; dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crawlers.helpers.numerals import parse_amount, parse_date, parse_integer, parse_number
from crawlers.replay.penalties import capital_yuan, chinese_date, lower_yuan


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("伍万贰仟壹佰贰拾元", 52120),
        ("人民币伍万贰仟壹佰贰拾元", 52120),
        ("壹佰万元", 1_000_000),
        ("壹拾万元整", 100_000),
        ("拾万元", 100_000),
        ("贰拾万元正", 200_000),
        ("壹拾万零捌仟元", 108_000),
        ("叁万零伍佰元", 30_500),
        ("壹仟零伍元", 1005),
        ("壹万零伍元", 10_005),
        ("壹亿贰仟万元", 120_000_000),
        ("零元", 0),
        ("壹万贰仟叁佰肆拾伍元陆角", 12345.6),
        ("壹万贰仟叁佰肆拾伍元陆角柒分", 12345.67),
        ("伍元零捌分", 5.08),
        ("五万元", 50_000),
        ("四万五千元", 45_000),
        ("十五万元", 150_000),
        ("两万元", 20_000),
        ("5.2万元", 52_000),
        ("人民币15.6万元", 156_000),
        ("52120元", 52120),
        ("人民币16000元", 16000),
        ("(¥545元)", 545),
        ("（¥52120元）", 52120),
        ("（￥1800元）", 1800),
        ("（小写：¥80,000.00元）", 80_000),
        ("¥52,120.50", 52120.5),
    ],
)
def test_amounts(text: str, yuan: float) -> None:
    assert parse_amount(text) == yuan


@pytest.mark.parametrize(
    "text",
    [
        "",
        "伍万",  # no 元 and no ¥: not an amount
        "壹万伍元",  # colloquial 15,000 or 10,005? refuse to guess
        "壹仟伍元",
        "五五元",
        "伍万元整多",
        "万元",
        "拾佰元",
        "abc元",
        "伍万元陆",
    ],
)
def test_unreadable_amounts_raise(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_numbers_and_integers() -> None:
    with pytest.raises(ValueError):
        parse_integer("二〇")  # digit-by-digit years are read by parse_date only
    assert parse_integer("一百零五") == 105
    assert parse_integer("3万") == 30_000
    assert str(parse_number("5.2万")) == "52000.0"
    with pytest.raises(ValueError):
        parse_integer("5.5")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025年10月15日", date(2025, 10, 15)),
        ("2025年6月 3日", date(2025, 6, 3)),
        ("二〇二五年十月十五日", date(2025, 10, 15)),
        ("二〇二四年十二月三十一日", date(2024, 12, 31)),
        ("二〇二六年一月二十日", date(2026, 1, 20)),
    ],
)
def test_dates(text: str, day: date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["2025年13月1日", "2025-10-15", "二〇二五年十月", "二五年十月十五日"])
def test_bad_dates_raise(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("yuan", [0, 7, 10, 15, 100, 1005, 10_005, 30_500, 52_120, 108_000, 1_000_000,
                                  10_005_000, 123_456_789])
def test_round_trip_with_the_replica_writer(yuan: int) -> None:
    assert parse_amount(capital_yuan(Decimal(yuan))) == yuan
    assert parse_amount(lower_yuan(yuan)) == yuan


def test_chinese_dates_round_trip() -> None:
    for day in (date(2024, 1, 18), date(2025, 10, 21), date(2026, 10, 28), date(2024, 12, 10)):
        assert parse_date(chinese_date(day)) == day
