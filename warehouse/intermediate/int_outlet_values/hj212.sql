-- Values pushed by data loggers (HJ 212): real-time values and the minute, hourly and daily averages, as
-- `seeds.hj212_value_kinds` lists them (min/max, totals and 折算 values are left out). A frame names its
-- logger by MN only, and no source yet ties an MN to an enterprise or a permit outlet: enterprise_id and
-- national_code stay NULL, the outlet is the MN. Pollutant codes may be HJ 212-2017's or 2005's.
SELECT
    v.source,
    v.record_id,
    CAST(NULL AS VARCHAR) AS enterprise_id,
    CAST(NULL AS VARCHAR) AS national_code,
    v.mn AS outlet_ref,
    v.mn AS outlet_label,
    CASE left(pc.pollutant_code, 1) WHEN 'a' THEN 'air' WHEN 'w' THEN 'water' END AS medium,
    coalesce(pc.pollutant_code, v.pollutant_code) AS pollutant_code,
    coalesce(pc.pollutant_name, v.pollutant_name) AS pollutant_name,
    v.data_time AS measured_at,
    CAST(v.data_time AS DATE) AS day,
    k.period,
    v.value,
    pc.unit,
    v.flag,
    coalesce(f.flag_class, 'other') AS flag_class,
    CAST(NULL AS DOUBLE) AS source_limit,
    CAST(NULL AS DOUBLE) AS source_limit_lower,
    CAST(NULL AS DOUBLE) AS source_exceedance_multiple,
    v.url,
    v.archive_digest
FROM staging.stg_hj212__values v
JOIN seeds.hj212_value_kinds k ON k.cn = v.cn AND k.suffix = v.suffix
LEFT JOIN seeds.pollutant_lookup pc ON pc.key_kind IN ('code', 'hj2005') AND pc.key = v.pollutant_code
LEFT JOIN seeds.outlet_value_flags f ON f.source = v.source AND coalesce(f.flag, '') = coalesce(v.flag, '')
