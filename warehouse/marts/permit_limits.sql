-- Permitted limits per outlet and pollutant, as the permit's air and water tabs state them.
-- A view (see _marts.yml), in no particular order: readers order the outlets' limits they show.
SELECT l.*, o.enterprise_id
FROM staging.stg_nat_mee_permits__limits l
JOIN marts.permit_outlets o USING (national_code)
