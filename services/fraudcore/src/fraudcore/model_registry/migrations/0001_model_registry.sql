-- The model registry: every model version with its artifacts' digests, card and training data
-- digest, its status, and an append-only history of every status change (who, when, why).
-- Its own migration set (history table model_registry_migrations), applied by
-- `fraud-models migrate`, so it never competes with the decision log's numbering.

CREATE TABLE model_versions (
    model_version text PRIMARY KEY CHECK (model_version ~ '^[A-Za-z0-9_.:-]{1,64}$'),
    status text NOT NULL CHECK (status IN ('candidate', 'challenger', 'champion', 'retired')),
    -- file name -> sha256 of the file in the artifact store, checked again before serving.
    artifacts jsonb NOT NULL,
    card jsonb NOT NULL,
    data_digest text NOT NULL CHECK (data_digest ~ '^[0-9a-f]{64}$'),
    registered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    status_changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- One champion and one challenger at most, whatever the code above does.
CREATE UNIQUE INDEX model_versions_one_per_serving_status ON model_versions (status)
    WHERE status IN ('champion', 'challenger');

-- One row per status change; a command changing two versions (a promotion retiring the old
-- champion) writes two rows with one change_id.
CREATE TABLE model_events (
    event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    change_id uuid NOT NULL,
    model_version text NOT NULL REFERENCES model_versions (model_version),
    action text NOT NULL CHECK (action IN ('register', 'promote', 'rollback', 'retire')),
    from_status text CHECK (from_status IN ('candidate', 'challenger', 'champion', 'retired')),
    to_status text NOT NULL CHECK (to_status IN ('candidate', 'challenger', 'champion', 'retired')),
    actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX model_events_by_version ON model_events (model_version, event_id);

-- Append-only for every role, the owner included: the history is the audit trail.
CREATE FUNCTION model_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'model_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER model_events_append_only BEFORE UPDATE OR DELETE ON model_events
    FOR EACH ROW EXECUTE FUNCTION model_events_refuse_change();
CREATE TRIGGER model_events_no_truncate BEFORE TRUNCATE ON model_events
    FOR EACH STATEMENT EXECUTE FUNCTION model_events_refuse_change();
