-- Every list change, numbered by the lists' revision it made: a consumer loads only the changes
-- since the revision it holds (not every entry), and a backtest reads who was listed when.
-- Depends only on 0001-0008.

-- Written in the change's own transaction (list_store), beside its audit event. A removal has
-- no source; an entry until removed has no expiry. changed_at: the transaction's time, as the
-- audit's and the entry's added_at.
CREATE TABLE list_changes (
    revision bigint PRIMARY KEY,
    list_name text NOT NULL,
    value text NOT NULL,
    source text CHECK (source IN ('hand', 'verdict', 'policy')),  -- NULL: removed
    expires_at timestamptz,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX list_changes_by_entry ON list_changes (list_name, value, changed_at);

-- The changes made before this table, from the audit trail: one event per change, in the order
-- of the revisions they made, so the newest is the lists' revision now.
INSERT INTO list_changes (revision, list_name, value, source, expires_at, changed_at)
SELECT (SELECT lists_revision FROM rules_revision) - count(*) OVER ()
           + row_number() OVER (ORDER BY event_id),
       detail->>'list', detail->>'value', detail->'after'->>'source',
       (detail->'after'->>'expires_at')::timestamptz, at
FROM audit_events WHERE action = 'list_change';
