"""浙江省生态环境厅 企业环境信用评价结果: yearly environmental credit ratings, a list attached to a notice."""

from __future__ import annotations

from typing import Any

from crawlers.base.notice_attachments import Note, NoticeAttachmentSpider, split_list


class ZjSthjtCreditRatingsSpider(NoticeAttachmentSpider):
    name = "zj_sthjt_credit_ratings"

    def parse_row(self, row: dict[str, str | None], note: Note) -> dict[str, Any]:
        # An unknown grade keeps the row (it proves the enterprise was rated) with grade null, and is reported.
        label = row.pop("grade_label")
        return {"grade": self.lookup_value("grade", label, note), "grade_label": label,
                "reasons": split_list(row.pop("reasons", None))}
