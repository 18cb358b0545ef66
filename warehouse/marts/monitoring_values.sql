-- Daily values against their limits. A flagged value (remark such as 通讯中断 communication loss or
-- CEMS维护 analyser maintenance) is never counted as an exceedance; it is counted separately.
SELECT
    v.record_id,
    p.enterprise_id,
    v.ps_code,
    v.mp_code,
    o.outlet_name,
    v.pollutant_code,
    v.pollutant_name,
    v.day,
    v.value,
    v.limit_value,
    v.remark,
    v.remark <> '' AS flagged,
    v.remark = '' AND v.value IS NOT NULL AND v.limit_value IS NOT NULL AND v.value > v.limit_value AS exceeded,
    CASE WHEN v.remark = '' AND v.value > v.limit_value AND v.limit_value > 0
         THEN round((v.value - v.limit_value) / v.limit_value, 3) END AS exceedance_multiple,
    v.url,
    v.fetched_at,
    v.archive_digest
FROM staging.stg_nat_envsc_incineration__monitoring_values v
LEFT JOIN marts.plants p USING (ps_code)
LEFT JOIN staging.stg_nat_envsc_incineration__outlets o USING (ps_code, mp_code)
-- No ORDER BY, as in marts.outlet_values: readers order what they show.
