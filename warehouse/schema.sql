-- The raw layer: what the crawls delivered, append-only. Everything else is derived from it.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS intermediate;
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE IF NOT EXISTS raw.loads (
    load_id       INTEGER PRIMARY KEY,
    loaded_at     TIMESTAMP NOT NULL,
    files         INTEGER NOT NULL,
    items_added   INTEGER NOT NULL,
    archive_added INTEGER NOT NULL
);

-- One row per crawl file read, so a file is never read twice.
CREATE TABLE IF NOT EXISTS raw.loaded_files (
    path    VARCHAR PRIMARY KEY,  -- relative to the data folder
    sha256  VARCHAR NOT NULL,
    load_id INTEGER NOT NULL
);

-- One row per distinct version of a record: a re-crawl that finds the same content adds nothing.
-- Unique on (record_id, content_hash), as raw.archive is on (warc, warc_offset): etl/load.py inserts by an
-- anti-join and checks the new rows itself: a PRIMARY KEY's index made a 10,000,000-item load 8 times slower.
CREATE TABLE IF NOT EXISTS raw.items (
    record_id      VARCHAR NOT NULL,
    content_hash   VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,
    fetched_at     TIMESTAMP NOT NULL,
    crawl_id       VARCHAR NOT NULL,
    parser_version VARCHAR NOT NULL,
    archive_digest VARCHAR NOT NULL,
    warc           VARCHAR NOT NULL,
    warc_offset    BIGINT NOT NULL,
    fields         JSON NOT NULL,
    load_id        INTEGER NOT NULL
);

-- The archive index: every response of every crawl, failures included.
CREATE TABLE IF NOT EXISTS raw.archive (
    warc         VARCHAR NOT NULL,
    warc_offset  BIGINT NOT NULL,
    warc_length  BIGINT NOT NULL,
    source       VARCHAR NOT NULL,
    crawl_id     VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    method       VARCHAR NOT NULL,
    status       INTEGER NOT NULL,
    content_type VARCHAR,
    size         BIGINT NOT NULL,
    digest       VARCHAR NOT NULL,
    fetched_at   TIMESTAMP NOT NULL,
    load_id      INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.crawl_reports (
    crawl_id VARCHAR NOT NULL,
    source   VARCHAR NOT NULL,
    finished TIMESTAMP,
    ok       BOOLEAN NOT NULL,
    report   JSON NOT NULL,
    load_id  INTEGER NOT NULL,
    PRIMARY KEY (source, crawl_id)
);

-- Written by `qingtian match`: every record that names an enterprise, and why it links where it does.
CREATE TABLE IF NOT EXISTS intermediate.record_links (
    record_id     VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    name          VARCHAR,
    code_printed  VARCHAR,
    code_status   VARCHAR NOT NULL,  -- valid | repaired | org_code | invalid | masked | empty
    code_reason   VARCHAR,           -- `repaired: letter O read as 0`, `check character (GB 32100) fails; …`
    enterprise_id VARCHAR,           -- a USCC, or `P-…` (provisional); NULL: unmatched or in review
    method        VARCHAR,           -- uscc_exact | uscc_repaired | org_code | reviewer | name_exact | name_fuzzy | provisional
                                     -- | review (pending: enterprise_id NULL)
    score         DOUBLE,
    code_used     VARCHAR,           -- the code matched on: the USCC as printed or repaired, or a 9-character org code
    region_code   VARCHAR            -- the division the record's region text, address or name places it in
);
-- Warehouses made before the columns above existed.
ALTER TABLE intermediate.record_links ADD COLUMN IF NOT EXISTS code_used VARCHAR;
ALTER TABLE intermediate.record_links ADD COLUMN IF NOT EXISTS region_code VARCHAR;

-- Written by `qingtian match`: candidate enterprises of records whose name match needs a person's judgement.
CREATE TABLE IF NOT EXISTS intermediate.review_candidates (
    record_id     VARCHAR NOT NULL,
    enterprise_id VARCHAR NOT NULL,
    score         DOUBLE NOT NULL,
    rank          INTEGER NOT NULL,
    judgement     VARCHAR,           -- the latest judgement on the pair (unsure), or NULL: not yet judged
    PRIMARY KEY (record_id, enterprise_id)
);

-- Written by `qingtian match`: every link a record has had, and the loads it held for (valid_from_load ≤ load
-- < valid_to_load; NULL: still current), so marts can be rebuilt as of an earlier load (etl/asof.py).
CREATE TABLE IF NOT EXISTS intermediate.record_links_history (
    record_id       VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    name            VARCHAR,
    code_printed    VARCHAR,
    code_status     VARCHAR NOT NULL,
    code_reason     VARCHAR,
    enterprise_id   VARCHAR,
    method          VARCHAR,
    score           DOUBLE,
    code_used       VARCHAR,
    region_code     VARCHAR,
    link_hash       VARCHAR NOT NULL,  -- md5 of the link's columns: a changed link is a new row
    valid_from_load INTEGER NOT NULL,
    valid_to_load   INTEGER
);
