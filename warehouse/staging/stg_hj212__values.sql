-- Values pushed by data loggers in HJ 212 frames to `qingtian hj212 listen`: one row per frame, pollutant
-- and value kind (suffix Rtd 实时, Min/Avg/Max, Cou 累计, Zs… 折算), with the data flag. Times as the logger
-- sends them (China time).
SELECT
    -- ids
    record_id,
    fields->>'$.mn' AS mn,
    fields->>'$.st' AS st,
    fields->>'$.cn' AS cn,
    fields->>'$.qn' AS qn,
    fields->>'$.version' AS version,
    fields->>'$.pollutant_code' AS pollutant_code,
    fields->>'$.pollutant_name' AS pollutant_name,
    fields->>'$.suffix' AS suffix,
    -- dates
    CAST(fields->>'$.data_time' AS TIMESTAMP) AS data_time,
    TRY_CAST(fields->>'$.sample_time' AS TIMESTAMP) AS sample_time,
    -- values
    TRY_CAST(fields->>'$.value' AS DOUBLE) AS value,
    fields->>'$.value_text' AS value_text,
    fields->>'$.flag' AS flag,
    fields->>'$.flag_meaning' AS flag_meaning,
    fields->>'$.eflag' AS eflag,
    -- provenance
    source, url, fetched_at, crawl_id AS listen_id, archive_digest, parser_version
FROM raw.items
WHERE source = 'hj212' AND kind = 'hj212_value'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
