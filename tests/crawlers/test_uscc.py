from __future__ import annotations

import pytest

from crawlers.helpers import uscc


@pytest.mark.parametrize("code", [
    "91110108551385082Q", "91110000600037341L", "91410923581749967U", "91410329MADG3F3D8T",
    "91370783797337187J", "91130200699229617X", "91370285MACJTLFM79", "91230500MA1B3N1N2M",
    "913303000762437700", "91441900742973952F",
])
def test_real_valid_codes(code: str) -> None:
    assert uscc.is_valid(code)
    assert uscc.check(f" {code.lower()} ").code == code


@pytest.mark.parametrize(("printed", "status", "reason"), [
    ("91210600MAOYNYRU3T", "invalid", "characters outside the GB 32100 alphabet"),
    ("912102200064442270Y", "invalid", "19 characters, expected 18"),
    ("91371525696863217Q001V", "invalid", "22 characters, expected 18"),
    ("9133040*******123X", "masked", "characters masked by the publisher"),
    ("91330402MA2*****8X", "masked", "characters masked by the publisher"),
    ("", "empty", ""),
    (None, "empty", ""),
])
def test_classification(printed: str | None, status: str, reason: str) -> None:
    result = uscc.check(printed)
    assert (result.status, result.reason, result.code) == (status, reason, None)


def test_wrong_check_character_is_invalid() -> None:
    good = "91110108551385082Q"
    result = uscc.check(good[:-1] + "R")
    assert result.status == "invalid" and result.code is None


def test_org_code_check_inside_uscc() -> None:
    # The mod-31 check alone passes, but positions 9-17 are not a valid GB 11714 organisation code.
    body = "91330400" + "12345670"
    forged = body + "0" + uscc.uscc_check_char(body + "0")
    assert not uscc.is_valid(forged)
    assert uscc.check(forged).reason == "organisation code check (GB 11714) fails"



@pytest.mark.parametrize(("code", "valid"), [("59446982-5", True), ("MACJTLFM7", True), ("07624377-0", True),
                                             ("59446982-6", False), ("5944698", False)])
def test_organisation_codes(code: str, valid: bool) -> None:
    assert uscc.is_valid_org_code(code) is valid


def test_codes_starting_with_a_letter_use_our_fallback() -> None:
    code = uscc.make("110000", "MA01ABCD", prefix="N2")
    assert uscc.is_valid(code)
    assert uscc.make("330402", "MA2B3C4D") == "91330402MA2B3C4D1N"
