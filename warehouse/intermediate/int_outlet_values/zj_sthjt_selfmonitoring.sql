-- Zhejiang self-monitoring: hourly air and 2-hourly water averages of the automatic monitors, and manual
-- samples (one instant). The platform prints the permit number and the HJ 608 outlet code, which together are
-- the outlet's national code; the outlet_values mart keeps it where the permit lists that outlet by that name.
SELECT
    v.source,
    v.record_id,
    l.enterprise_id,
    s.permit_number || v.outlet_code AS national_code,
    v.outlet_code AS outlet_ref,
    v.outlet_name AS outlet_label,
    v.medium,
    pc.pollutant_code,
    coalesce(pc.pollutant_name, v.pollutant_name) AS pollutant_name,
    v.measured_at,
    CAST(v.measured_at AS DATE) AS day,
    CASE WHEN v.mode = 'manual' THEN 'instant' WHEN v.medium = 'air' THEN 'hour' ELSE '2h' END AS period,
    v.value,
    v.unit,
    v.remark AS flag,
    coalesce(f.flag_class, 'other') AS flag_class,
    v.limit_value AS source_limit,
    v.limit_lower AS source_limit_lower,
    v.exceedance_multiple AS source_exceedance_multiple,
    v.url,
    v.archive_digest
FROM staging.stg_zj_sthjt_selfmonitoring__values v
LEFT JOIN staging.stg_zj_sthjt_selfmonitoring__sites s ON s.enterprise_id = v.enterprise_id
LEFT JOIN intermediate.record_links l ON l.record_id = s.record_id
LEFT JOIN seeds.pollutant_lookup pc ON pc.key_kind = 'name' AND pc.key = trim(v.pollutant_name)
LEFT JOIN seeds.outlet_value_flags f ON f.source = v.source AND coalesce(f.flag, '') = v.remark
