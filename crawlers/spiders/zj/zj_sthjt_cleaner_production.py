"""浙江省生态环境厅 强制性清洁生产审核企业名单: the yearly list of enterprises that must audit ("双超双有")."""

from __future__ import annotations

from typing import Any

from crawlers.base.notice_attachments import Note, NoticeAttachmentSpider


class ZjSthjtCleanerProductionSpider(NoticeAttachmentSpider):
    name = "zj_sthjt_cleaner_production"

    def parse_row(self, row: dict[str, str | None], note: Note) -> dict[str, Any]:
        reason = row.pop("audit_reason")
        deadline = row.pop("deadline", None)
        return {"audit_type": self.lookup_codes("audit_type", reason, note), "audit_reason": reason,
                "deadline": self.read_date(deadline, note), "deadline_text": deadline}
