-- The gate: every evaluation of a version against the champion on a labelled window of the
-- decision log, with the gates it was held to, its figures and the verdict. Append-only like
-- model_events, and each one also written there as an 'evaluate' event (no status change), so
-- a version's history reads register, evaluate, promote in order.

CREATE TABLE model_evaluations (
    evaluation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_version text NOT NULL REFERENCES model_versions (model_version),
    champion_version text NOT NULL REFERENCES model_versions (model_version),
    window_from timestamptz NOT NULL,
    window_to timestamptz NOT NULL CHECK (window_to > window_from),
    passed boolean NOT NULL,
    -- the thresholds applied (margins, latency ratio, least frauds), as configured at the time
    gates jsonb NOT NULL,
    -- each gate's verdict and the figures with their intervals, as fraud-models evaluate printed
    result jsonb NOT NULL,
    actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX model_evaluations_by_version ON model_evaluations (model_version, evaluation_id);

CREATE TRIGGER model_evaluations_append_only BEFORE UPDATE OR DELETE ON model_evaluations
    FOR EACH ROW EXECUTE FUNCTION model_events_refuse_change();
CREATE TRIGGER model_evaluations_no_truncate BEFORE TRUNCATE ON model_evaluations
    FOR EACH STATEMENT EXECUTE FUNCTION model_events_refuse_change();

-- 'evaluate' joins the history's actions; a promotion past a failed gate names the evaluation
-- it overrode (NULL for every other event).
ALTER TABLE model_events DROP CONSTRAINT model_events_action_check;
ALTER TABLE model_events ADD CONSTRAINT model_events_action_check
    CHECK (action IN ('register', 'promote', 'rollback', 'retire', 'evaluate'));
ALTER TABLE model_events
    ADD COLUMN overrode_evaluation bigint REFERENCES model_evaluations (evaluation_id);
