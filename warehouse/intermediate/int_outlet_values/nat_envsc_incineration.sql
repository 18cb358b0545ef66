-- Daily means of the incineration plants' furnace stacks. The platform's pollutant codes (001 颗粒物 …) are its
-- own, not HJ 212's (HJ 212-2005 001 is pH), so pollutants are mapped by name. The permit outlet (national
-- code) is resolved downstream, in the outlet_values mart, from the permit outlets' monitoring_outlet = outlet_ref.
SELECT
    v.source,
    v.record_id,
    l.enterprise_id,
    CAST(NULL AS VARCHAR) AS national_code,
    v.ps_code || ':' || v.mp_code AS outlet_ref,
    coalesce(o.outlet_name, v.mp_code) AS outlet_label,
    'air' AS medium,
    pc.pollutant_code,
    coalesce(pc.pollutant_name, v.pollutant_name) AS pollutant_name,
    CAST(v.day AS TIMESTAMP) AS measured_at,
    v.day,
    'day' AS period,
    v.value,
    pc.unit,
    v.remark AS flag,
    coalesce(f.flag_class, 'other') AS flag_class,
    v.limit_value AS source_limit,
    CAST(NULL AS DOUBLE) AS source_limit_lower,
    CAST(NULL AS DOUBLE) AS source_exceedance_multiple,
    v.url,
    v.archive_digest
FROM staging.stg_nat_envsc_incineration__monitoring_values v
LEFT JOIN staging.stg_nat_envsc_incineration__plants p ON p.ps_code = v.ps_code
LEFT JOIN intermediate.record_links l ON l.record_id = p.record_id
LEFT JOIN staging.stg_nat_envsc_incineration__outlets o ON o.ps_code = v.ps_code AND o.mp_code = v.mp_code
LEFT JOIN seeds.pollutant_lookup pc ON pc.key_kind = 'name' AND pc.key = trim(v.pollutant_name)
LEFT JOIN seeds.outlet_value_flags f ON f.source = v.source AND coalesce(f.flag, '') = v.remark
