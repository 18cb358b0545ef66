"""`qingtian parse penalty FILE` on replica decisions written to files: HTML, PDF, DOCX, text, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.replay import guangdong
from crawlers.replay.documents import make_docx, make_xlsx
from crawlers.replay.penalties import JiaxingPenaltyColumn
from etl.cli import main, parser
from tests.conftest import fetch


def run(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    status = main(["parse", "penalty", str(path)])
    out, err = capsys.readouterr()
    return status, out, err


def post(number: str) -> guangdong.Post:
    return next(p for p in guangdong.GuangdongPenaltyList().posts.values() if p.case.number == number)


def jiaxing_page(title_part: str) -> bytes:
    path = next(p for p, page in JiaxingPenaltyColumn().pages.items() if title_part in "".join(page.paragraphs))
    response = fetch("sthjj.jiaxing.gov.cn", path)
    return response.body if isinstance(response.body, bytes) else response.encoded()


def test_help_has_an_example() -> None:
    sub = parser()._subparsers._group_actions[0].choices["parse"]  # type: ignore[union-attr]
    assert "qingtian parse penalty" in sub.format_help()


def test_gbk_html_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "decision.shtml"
    page.write_bytes(jiaxing_page("嘉环(平)罚〔2025〕5号"))
    status, out, err = run(capsys, page)
    assert status == 0, err
    fields = json.loads(out)
    assert fields["decision_number_norm"] == "嘉环（平）罚〔2025〕5号"
    assert fields["party"] == "平湖清鑫皮革有限公司" and fields["fine_yuan"] == 600000
    assert fields["confiscated_yuan"] == 12345.6
    assert "平湖清鑫皮革有限公司" in out and "\\u" not in out  # ensure_ascii=False
    assert out.startswith("{\n  \"")  # indent=2


def test_pdf_attachment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "attachment.bin"  # the name says nothing: the content decides
    pdf.write_bytes(post("粤环罚〔2025〕17号").attachment)
    status, out, err = run(capsys, pdf)
    assert status == 0, err
    fields = json.loads(out)
    assert fields["decision_number"] == "粤环罚〔2025〕17号" and fields["party"] == "东莞永德皮革有限公司"
    assert fields["fine_yuan"] == 800000 and fields["penalty_types"] == ["fine", "suspension", "order_to_correct"]


def test_docx_attachment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docx = tmp_path / "粤环罚〔2024〕31号.docx"
    docx.write_bytes(post("粤环罚〔2024〕31号").attachment)
    status, out, err = run(capsys, docx)
    assert status == 0, err
    fields = json.loads(out)
    assert fields["uscc"] == "91442000******8N8M" and fields["uscc_masked"] is True
    assert fields["fine_yuan"] == 50000 and fields["decision_date"] == "2024-08-08"


def test_plain_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crawlers.helpers.documents import text_of

    text = tmp_path / "decision.txt"
    text.write_text(text_of(post("粤环罚〔2024〕9号").attachment), encoding="gb18030")
    status, out, err = run(capsys, text)
    assert status == 0, err
    assert json.loads(out)["fine_text"] == "罚款人民币壹拾捌万伍仟元（¥185000元）"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("summary.html", lambda: jiaxing_page("公示如下"), "not a penalty decision: no 当事人"),
        ("order.html", lambda: jiaxing_page("嘉环改字〔2025〕3号"), "an order to correct"),
        ("note.html", lambda: fetch(guangdong.HOST, next(iter(guangdong.GuangdongPenaltyList().posts))).encoded(),
         "not a penalty decision"),
        ("notice.docx", lambda: make_docx("关于开展执法检查的通知", ["各有关单位：", "特此通知。"]),
         "not a penalty decision"),
        ("broken.pdf", lambda: post("粤环罚〔2024〕42号").attachment, "not readable: unreadable PDF"),
        ("list.xlsx", lambda: make_xlsx({"Sheet1": [["a", "b"]]}), "not readable"),
        ("legacy.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "not readable: legacy binary"),
        ("image.png", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100, "not readable: binary data"),
    ],
)
def test_not_a_decision_or_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                      content: object, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content())  # type: ignore[operator]
    status, out, err = run(capsys, path)
    assert status == 1 and out == ""
    assert err.startswith(f"qingtian parse penalty: {path}: ") and message in err, err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, tmp_path / "absent.pdf")
    assert status == 1 and out == "" and "cannot read the file" in err
