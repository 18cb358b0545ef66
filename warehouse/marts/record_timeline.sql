-- What happened to each penalty record, in order: the decision, then the government's follow-up (fine paid,
-- re-inspection passed or failed, credit repair) and the enterprise's own feedback (explanation,
-- rectification evidence, dispute). One row per event and record; an event naming two decisions is on both.
--
-- Matching: a government event names decisions by 文号; it belongs to the penalty record (marts.penalties)
-- with the same normalised 文号 *and* the same enterprise, the event's enterprise being the one its own
-- record links to (intermediate.record_links). Feedback names a record id: a penalty's own, or that of a
-- copy listed in its `also_published`, or any other record we hold; it attaches only when the record's
-- enterprise is the one that wrote it. Nothing is dropped: an event or feedback that attaches to no record
-- stays here with record_id NULL and says why in `unmatched_reason`.
WITH events AS (
    SELECT
        e.record_id AS event_id, e.event_type, e.event_date, e.source, e.url, e.archive_digest, e.text,
        e.party, l.enterprise_id,
        unnest(e.decision_numbers) AS decision_number,
        unnest(e.decision_numbers_norm) AS decision_number_norm
    FROM intermediate.int_rectification_events e
    LEFT JOIN intermediate.record_links l USING (record_id)
),
gov AS (
    SELECT
        p.record_id, e.event_date, e.event_type, e.source, e.url, e.archive_digest,
        NULL::VARCHAR AS feedback_file, e.text, e.event_id, e.decision_number, e.decision_number_norm,
        e.enterprise_id, e.party,
        CASE WHEN p.record_id IS NOT NULL THEN NULL
             WHEN e.enterprise_id IS NULL THEN 'event not linked to an enterprise'
             ELSE 'no penalty record with this decision number for this enterprise' END AS unmatched_reason
    FROM events e
    LEFT JOIN marts.penalties p
        ON p.decision_number_norm = e.decision_number_norm AND p.enterprise_id = e.enterprise_id
),
named AS (
    -- every record id feedback may name → the record to show it under, and that record's enterprise
    SELECT record_id AS named_id, record_id, enterprise_id FROM marts.penalties
    UNION ALL
    SELECT c.record_id AS named_id, p.record_id, p.enterprise_id
    FROM marts.penalties p, unnest(p.also_published) AS u(c)
    UNION ALL
    SELECT l.record_id AS named_id, l.record_id, l.enterprise_id
    FROM intermediate.record_links l
    WHERE l.record_id NOT IN (SELECT record_id FROM marts.penalties)
      AND l.record_id NOT IN (SELECT c.record_id FROM marts.penalties p, unnest(p.also_published) AS u(c))
),
feedback AS (
    SELECT
        CASE WHEN n.enterprise_id = f.enterprise THEN n.record_id END AS record_id,
        f.submitted AS event_date, f.kind AS event_type, 'feedback' AS source, NULL::VARCHAR AS url,
        NULL::VARCHAR AS archive_digest, f.file AS feedback_file, f.text, f.feedback_id AS event_id,
        p.decision_number, p.decision_number_norm, f.enterprise AS enterprise_id, NULL::VARCHAR AS party,
        CASE WHEN n.named_id IS NULL THEN 'feedback names a record we do not hold: ' || f.record_id
             WHEN n.enterprise_id IS DISTINCT FROM f.enterprise
                 THEN 'feedback names a record of another enterprise: ' || f.record_id END AS unmatched_reason
    FROM intermediate.feedback f
    LEFT JOIN named n ON n.named_id = f.record_id
    LEFT JOIN marts.penalties p ON p.record_id = n.record_id AND n.enterprise_id = f.enterprise
    WHERE f.current
),
decisions AS (
    SELECT
        record_id, decision_date AS event_date, 'decision' AS event_type, source, url, archive_digest,
        NULL::VARCHAR AS feedback_file, concat_ws('：', title, fine_text) AS text, record_id AS event_id,
        decision_number, decision_number_norm, enterprise_id, party, NULL::VARCHAR AS unmatched_reason
    FROM marts.penalties
),
everything AS (
    SELECT * FROM decisions
    UNION ALL BY NAME SELECT * FROM gov
    UNION ALL BY NAME SELECT * FROM feedback
)
SELECT
    -- ids
    record_id,
    row_number() OVER (
        PARTITION BY record_id
        ORDER BY event_date, list_position(['decision', 'fine_paid', 'reinspection_failed', 'reinspection_passed',
            'credit_repaired', 'explanation', 'rectification_evidence', 'dispute'], event_type), event_id
    ) AS seq,
    event_id,
    decision_number,
    decision_number_norm,
    enterprise_id,
    party,
    -- dates
    event_date,
    -- substance
    event_type,
    text,
    -- provenance: a source's URL and archived copy, or the feedback file
    source,
    url,
    archive_digest,
    feedback_file,
    unmatched_reason
FROM everything
ORDER BY record_id NULLS LAST, seq, event_id
