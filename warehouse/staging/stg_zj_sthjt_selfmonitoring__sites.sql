-- Key dischargers listed on Zhejiang's self-monitoring disclosure platform, latest version of each.
SELECT
    -- ids
    record_id,
    fields->>'$.enterprise_id' AS enterprise_id,
    fields->>'$.uscc' AS uscc_printed,
    fields->>'$.permit_number' AS permit_number,
    -- names and places
    fields->>'$.enterprise_name' AS enterprise_name,
    fields->>'$.region' AS region_text,
    fields->>'$.industry' AS industry,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'zj_sthjt_selfmonitoring' AND kind = 'monitoring_site'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
