-- The analyst's cases: where each label came from, verdicts with their history, labels that
-- disagree with the one applied, an audit trail of who read or judged what, and search.

-- Who gave the label. Existing rows are chargebacks; a constant default adds no table rewrite.
ALTER TABLE decision_labels ADD COLUMN source text NOT NULL DEFAULT 'chargeback'
    CHECK (source IN ('chargeback', 'analyst'));
ALTER TABLE decision_labels ADD COLUMN analyst text;

-- The first label of a decision counts (state and figures move once); a later label that says
-- otherwise is kept here, so a chargeback contradicting an analyst's verdict stays visible.
CREATE TABLE label_disagreements (
    transaction_id text NOT NULL,
    event_time timestamptz NOT NULL,
    is_fraud boolean NOT NULL,
    scenario text NOT NULL,
    labelled_at timestamptz NOT NULL,
    source text NOT NULL,
    analyst text,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (transaction_id, event_time, source, labelled_at)
);

-- Every verdict given, in order; a case's history. Not partitioned: a case outlives the day
-- partition of its decision for as long as its audit must.
CREATE TABLE case_verdicts (
    verdict_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id text NOT NULL,
    event_time timestamptz NOT NULL,
    analyst text NOT NULL,
    verdict text NOT NULL CHECK (verdict IN ('fraud', 'genuine', 'escalate')),
    comment text NOT NULL,
    given_at timestamptz NOT NULL DEFAULT now(),
    label_sent boolean NOT NULL
);
CREATE INDEX case_verdicts_by_case ON case_verdicts (transaction_id, event_time, verdict_id);

-- Who did what to which transaction, when: verdicts and reads of a single decision.
CREATE TABLE audit_events (
    event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    transaction_id text,
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_transaction ON audit_events (transaction_id, at);
CREATE INDEX audit_events_by_actor ON audit_events (actor, at);

-- Search by card or merchant, newest first (transaction ids use the primary key).
CREATE INDEX decisions_by_card ON decisions (card_id, event_time DESC, transaction_id DESC);
CREATE INDEX decisions_by_merchant ON decisions (merchant_id, event_time DESC, transaction_id DESC);
