-- Permitted limits per outlet and pollutant (air and water tabs), latest version of each.
-- Concentrations in their printed unit (mg/Nm3 air, mg/L water); water's one concentration is daily_limit.
-- Text limits (林格曼黑度 `1级`, pH `6-9`) have NULL numbers and stay in limit_text.
SELECT
    -- ids
    record_id,
    fields->>'$.permit_number' AS permit_number,
    fields->>'$.outlet_code' AS outlet_code,
    (fields->>'$.permit_number') || (fields->>'$.outlet_code') AS national_code,
    concat(source, ':', fields->>'$.permit_number', ':', fields->>'$.outlet_code') AS outlet_record_id,
    fields->>'$.medium' AS medium,
    fields->>'$.pollutant_name' AS pollutant_name,
    -- concentrations and rate
    TRY_CAST(fields->>'$.hourly_limit' AS DOUBLE) AS hourly_limit,
    fields->>'$.hourly_unit' AS hourly_unit,
    TRY_CAST(fields->>'$.daily_limit' AS DOUBLE) AS daily_limit,
    fields->>'$.daily_unit' AS daily_unit,
    TRY_CAST(fields->>'$.rate_limit_kg_h' AS DOUBLE) AS rate_limit_kg_h,
    TRY_CAST(fields->>'$.stricter_limit' AS DOUBLE) AS stricter_limit,
    -- amounts: permitted tonnes a year, first to fifth year of validity
    TRY_CAST(fields->>'$.annual_t[0]' AS DOUBLE) AS annual_t_year1,
    TRY_CAST(fields->>'$.annual_t[1]' AS DOUBLE) AS annual_t_year2,
    TRY_CAST(fields->>'$.annual_t[2]' AS DOUBLE) AS annual_t_year3,
    TRY_CAST(fields->>'$.annual_t[3]' AS DOUBLE) AS annual_t_year4,
    TRY_CAST(fields->>'$.annual_t[4]' AS DOUBLE) AS annual_t_year5,
    -- evidence
    fields->>'$.limit_text' AS limit_text,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM raw.items
WHERE source = 'nat_mee_permits' AND kind = 'permit_limit'
QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY fetched_at DESC, load_id DESC) = 1
