-- Every monitored value (intermediate.int_outlet_values) with the limit it is judged against. The limit is
-- the permit's where the value's outlet and pollutant join a permit limit: the stricter commitment where the
-- permit makes one, else the daily limit for daily means and the hourly limit for shorter periods (a water
-- outlet's permit gives one concentration, stored as its daily limit, and it applies to every period);
-- without a permit limit, the source's own printed standard. `limit_basis` says which. Permit air limits are
-- in mg/Nm3, the sources print mg/m³: both are concentrations at standard conditions.
-- Only a value of flag class ok can be an exceedance; a flagged value (maintenance, communication loss,
-- shutdown, calibration, fault, other) never is, and is counted separately.
WITH permit_limit AS (
    SELECT l.national_code, pc.pollutant_code,
           min(l.hourly_limit) AS hourly_limit, min(l.daily_limit) AS daily_limit,
           min(l.stricter_limit) AS stricter_limit,
           min(l.hourly_unit) AS hourly_unit, min(l.daily_unit) AS daily_unit
    FROM marts.permit_limits l
    JOIN seeds.pollutant_lookup pc ON pc.key_kind = 'name' AND pc.key = trim(l.pollutant_name)
    GROUP BY ALL
),
stack AS (
    SELECT monitoring_outlet, min(national_code) AS national_code, min(enterprise_id) AS enterprise_id
    FROM marts.permit_outlets
    WHERE monitoring_outlet IS NOT NULL
    GROUP BY ALL
),
resolved AS (
    SELECT v.* EXCLUDE (national_code, enterprise_id),
           coalesce(v.enterprise_id, po.enterprise_id, st.enterprise_id) AS enterprise_id,
           v.national_code AS national_code_printed,
           coalesce(po.national_code, st.national_code) AS national_code
    FROM intermediate.int_outlet_values v
    LEFT JOIN marts.permit_outlets po ON po.national_code = v.national_code AND po.outlet_name = v.outlet_label
    LEFT JOIN stack st ON v.source = 'nat_envsc_incineration' AND st.monitoring_outlet = v.outlet_ref
),
judged AS (
    SELECT r.*,
           CASE WHEN l.stricter_limit IS NOT NULL THEN 'permit_stricter'
                WHEN r.period = 'day' AND l.daily_limit IS NOT NULL THEN 'permit_daily'
                WHEN r.period <> 'day' AND l.hourly_limit IS NOT NULL THEN 'permit_hourly'
                WHEN r.medium = 'water' AND l.daily_limit IS NOT NULL THEN 'permit_daily'
                WHEN r.source_limit IS NOT NULL THEN 'source_standard' END AS limit_basis,
           l.hourly_limit AS permit_hourly_limit,
           l.daily_limit AS permit_daily_limit,
           l.stricter_limit AS permit_stricter_limit,
           l.hourly_unit AS permit_hourly_unit,
           l.daily_unit AS permit_daily_unit
    FROM resolved r
    LEFT JOIN permit_limit l ON l.national_code = r.national_code AND l.pollutant_code = r.pollutant_code
),
limited AS (
    SELECT j.*,
           CASE limit_basis WHEN 'permit_stricter' THEN permit_stricter_limit
                            WHEN 'permit_daily' THEN permit_daily_limit
                            WHEN 'permit_hourly' THEN permit_hourly_limit
                            WHEN 'source_standard' THEN source_limit END AS limit_value,
           CASE WHEN limit_basis = 'source_standard' THEN source_limit_lower END AS limit_lower,
           CASE limit_basis WHEN 'permit_stricter' THEN coalesce(permit_hourly_unit, permit_daily_unit)
                            WHEN 'permit_daily' THEN permit_daily_unit
                            WHEN 'permit_hourly' THEN permit_hourly_unit
                            WHEN 'source_standard' THEN unit END AS limit_unit
    FROM judged j
),
exceeded AS (
    SELECT l.*,
           coalesce(flag_class = 'ok' AND value IS NOT NULL AND limit_value IS NOT NULL
                    AND (value > limit_value OR value < limit_lower), false) AS exceeded
    FROM limited l
)
SELECT
    source, record_id, enterprise_id, national_code, national_code_printed, outlet_ref, outlet_label, medium,
    pollutant_code, pollutant_name, measured_at, day, period, value, unit,
    limit_value, limit_lower, limit_unit, limit_basis,
    permit_hourly_limit, permit_daily_limit, permit_stricter_limit, source_limit,
    flag, flag_class, flag_class <> 'ok' AS flagged, exceeded,
    CASE WHEN exceeded AND value > limit_value AND limit_value > 0 AND limit_lower IS NULL
         THEN round((value - limit_value) / limit_value, 4) END AS exceedance_multiple,
    source_exceedance_multiple,
    url, archive_digest
FROM exceeded
-- No ORDER BY: sorting every value (tens of millions of wide rows at national scale) cost more than the whole rest
-- of the model; readers order the few rows they show.
