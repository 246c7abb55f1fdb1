-- The review queue reads open cases only: a decision leaves the queue's indexes when its case
-- closes (a label applied, or an analyst's fraud or genuine verdict), so an oldest-first page no
-- longer steps over every closed case older than the oldest open one (with a month of labelled
-- alerts, tens of thousands) before it finds a row to show.

-- When the case closed; NULL while it waits (and on approvals, which never wait). Added without
-- a default: no table rewrite.
ALTER TABLE decisions ADD COLUMN queue_closed_at timestamptz;

-- Labels and verdicts close cases wherever they are written (the consumer, the dashboard, a
-- replay), in the writer's own transaction: once per statement, over the rows it added, and
-- only among open cases (the queue's own small indexes), so a batch of labels for approvals
-- costs next to nothing.
CREATE FUNCTION close_cases_labelled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE decisions d SET queue_closed_at = now()
    FROM added a
    WHERE d.transaction_id = a.transaction_id AND d.event_time = a.event_time
        AND d.decision <> 'approve' AND d.queue_closed_at IS NULL;
    RETURN NULL;
END
$$;

CREATE FUNCTION close_cases_judged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE decisions d SET queue_closed_at = now()
    FROM added a
    WHERE d.transaction_id = a.transaction_id AND d.event_time = a.event_time
        AND a.verdict <> 'escalate'
        AND d.decision <> 'approve' AND d.queue_closed_at IS NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER close_cases AFTER INSERT ON decision_labels
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION close_cases_labelled();
CREATE TRIGGER close_cases AFTER INSERT ON case_verdicts
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION close_cases_judged();

-- The cases closed before this migration.
UPDATE decisions d SET queue_closed_at = now()
WHERE d.decision <> 'approve' AND (
    EXISTS (SELECT 1 FROM decision_labels l
            WHERE l.transaction_id = d.transaction_id AND l.event_time = d.event_time)
    OR EXISTS (SELECT 1 FROM case_verdicts v
               WHERE v.transaction_id = d.transaction_id AND v.event_time = d.event_time
                   AND v.verdict <> 'escalate'));

-- The queue's two orders over open cases only (the names stay those the queue's plans show).
DROP INDEX decisions_queue_oldest;
DROP INDEX decisions_queue_riskiest;
CREATE INDEX decisions_queue_oldest ON decisions (event_time, transaction_id)
    WHERE decision <> 'approve' AND queue_closed_at IS NULL;
CREATE INDEX decisions_queue_riskiest ON decisions (score DESC, event_time, transaction_id)
    WHERE decision <> 'approve' AND queue_closed_at IS NULL;
