"""A person opens an outlet page from a company page: limits, monitoring, and a QR code for the stack."""

from __future__ import annotations

from typing import Any

import pytest
import segno

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

E00 = "91330400MAJHTPQQ1T"
DA001 = f"{E00}001PDA001"


def test_outlet_page_from_company_page(browser: Any, pipeline: dict[str, Any]) -> None:
    page = browser.new_page()
    page.goto(f"{pipeline['url']}/c/{E00}.html")
    page.get_by_role("link", name="DA001 1号焚烧炉排气筒").click()
    page.wait_for_url(f"**/o/{DA001}.html")
    assert page.locator("h1").inner_text() == "1号焚烧炉排气筒 DA001"
    assert page.get_by_test_id("national-code").inner_text() == DA001
    limits = {row.locator("td").nth(0).inner_text(): row.locator("td").nth(2).inner_text()
              for row in page.locator("#limits-h + div tbody tr").all()}
    assert limits["氮氧化物"] == "250 mg/Nm3" and limits["颗粒物"] == "20 mg/Nm3"
    assert page.locator("#mon-h").inner_text().endswith("1号焚烧炉排气筒DA001")
    assert page.locator("svg.chart").count() == 5
    # The QR code is exactly the one that encodes the national code and the page's published URL (with the
    # fixed mask pattern 0 the build uses: etl/publish/outlets.py).
    expected = segno.make(f"{DA001}\nhttp://127.0.0.1:8000/o/{DA001}.html", error="m", mask=0)
    assert page.locator("figure.qr svg path").get_attribute("d") in expected.svg_inline(scale=3)
    page.close()
