-- Permitted limits per outlet and pollutant (air and water tabs), latest version of each.
-- Concentrations in their printed unit (mg/Nm3 air, mg/L water); water's one concentration is daily_limit.
-- Text limits (林格曼黑度 `1级`, pH `6-9`) have NULL numbers and stay in limit_text.
WITH item AS (
    SELECT * FROM latest_items('nat_mee_permits', 'permit_limit')
),
-- `fields` parsed once per record into a struct `f` (each `fields->>'$.key'` would parse it again)
parsed AS (
    SELECT *, from_json(fields, '{
    "permit_number": "VARCHAR", "outlet_code": "VARCHAR", "medium": "VARCHAR", "pollutant_name": "VARCHAR",
    "hourly_limit": "VARCHAR", "hourly_unit": "VARCHAR", "daily_limit": "VARCHAR", "daily_unit": "VARCHAR",
    "rate_limit_kg_h": "VARCHAR", "stricter_limit": "VARCHAR", "annual_t": "VARCHAR[]",
    "limit_text": "VARCHAR"
    }') AS f
    FROM item
)
SELECT
    -- ids
    record_id,
    f.permit_number AS permit_number,
    f.outlet_code AS outlet_code,
    f.permit_number || f.outlet_code AS national_code,
    concat(source, ':', f.permit_number, ':', f.outlet_code) AS outlet_record_id,
    f.medium AS medium,
    f.pollutant_name AS pollutant_name,
    -- concentrations and rate
    TRY_CAST(f.hourly_limit AS DOUBLE) AS hourly_limit,
    f.hourly_unit AS hourly_unit,
    TRY_CAST(f.daily_limit AS DOUBLE) AS daily_limit,
    f.daily_unit AS daily_unit,
    TRY_CAST(f.rate_limit_kg_h AS DOUBLE) AS rate_limit_kg_h,
    TRY_CAST(f.stricter_limit AS DOUBLE) AS stricter_limit,
    -- amounts: permitted tonnes a year, first to fifth year of validity
    TRY_CAST(f.annual_t[1] AS DOUBLE) AS annual_t_year1,
    TRY_CAST(f.annual_t[2] AS DOUBLE) AS annual_t_year2,
    TRY_CAST(f.annual_t[3] AS DOUBLE) AS annual_t_year3,
    TRY_CAST(f.annual_t[4] AS DOUBLE) AS annual_t_year4,
    TRY_CAST(f.annual_t[5] AS DOUBLE) AS annual_t_year5,
    -- evidence
    f.limit_text AS limit_text,
    -- provenance
    source, url, fetched_at, archive_digest, parser_version
FROM parsed
