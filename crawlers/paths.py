"""Where runtime data lives: `data/` beside the checkout, or wherever QINGTIAN_DATA points."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("QINGTIAN_DATA") or REPO / "data").resolve()


def raw_dir() -> Path:
    return data_dir() / "raw"


def items_dir() -> Path:
    return data_dir() / "items"


def warehouse_path() -> Path:
    return data_dir() / "warehouse.duckdb"


def site_dir() -> Path:
    return data_dir() / "site"


def exports_dir() -> Path:
    return data_dir() / "exports"
