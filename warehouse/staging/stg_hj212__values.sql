-- Values pushed by data loggers in HJ 212 frames to `qingtian hj212 listen`: one row per frame, pollutant
-- and value kind (suffix Rtd 实时, Min/Avg/Max, Cou 累计, Zs… 折算), with the data flag. Times as the logger
-- sends them (China time).
WITH item AS (
    SELECT * FROM latest_items('hj212', 'hj212_value')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "mn": "VARCHAR", "st": "VARCHAR", "cn": "VARCHAR", "qn": "VARCHAR", "version": "VARCHAR",
    "pollutant_code": "VARCHAR", "pollutant_name": "VARCHAR", "suffix": "VARCHAR", "data_time": "VARCHAR",
    "sample_time": "VARCHAR", "value": "VARCHAR", "value_text": "VARCHAR", "flag": "VARCHAR",
    "flag_meaning": "VARCHAR", "eflag": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.mn AS mn,
    f.st AS st,
    f.cn AS cn,
    f.qn AS qn,
    f.version AS version,
    f.pollutant_code AS pollutant_code,
    f.pollutant_name AS pollutant_name,
    f.suffix AS suffix,
    -- dates
    CAST(f.data_time AS TIMESTAMP) AS data_time,
    TRY_CAST(f.sample_time AS TIMESTAMP) AS sample_time,
    -- values
    TRY_CAST(f.value AS DOUBLE) AS value,
    f.value_text AS value_text,
    f.flag AS flag,
    f.flag_meaning AS flag_meaning,
    f.eflag AS eflag,
    -- provenance
    source, url, fetched_at, crawl_id AS listen_id, archive_digest, parser_version
FROM parsed
