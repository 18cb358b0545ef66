-- Permitted outlets (排放口) with their nationally unique code (permit number + outlet code, HJ 608-2017),
-- the enterprise holding the permit, and the monitoring-platform outlet that is the same stack: the
-- platform names a furnace stack `1号焚烧炉排气筒DA001`, the permit `1号焚烧炉排气筒` + `DA001`.
SELECT
    o.*,
    p.enterprise_id,
    p.enterprise_name,
    p.record_id AS permit_record_id,
    (SELECT first(m.ps_code || ':' || m.mp_code ORDER BY m.mp_code)
     FROM staging.stg_nat_envsc_incineration__outlets m
     JOIN marts.plants pl USING (ps_code)
     WHERE pl.enterprise_id = p.enterprise_id AND o.outlet_type = 'main'
       AND m.outlet_name = o.outlet_name || o.outlet_code) AS monitoring_outlet
FROM staging.stg_nat_mee_permits__outlets o
JOIN marts.permits p ON p.permit_number = o.permit_number
ORDER BY o.national_code
