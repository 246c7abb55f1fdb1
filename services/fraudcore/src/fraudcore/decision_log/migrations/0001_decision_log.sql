-- The decision log: one row per decided transaction, ground truth joined at any delay, and the
-- feature lists the rows' feature vectors are in. Applied once by `fraud-decisions migrate`.

-- A feature vector is stored as real[] (4 bytes a value, float32 as the model was fed, NaN for
-- an undefined feature) in the order of its feature set, named here once per distinct list.
CREATE TABLE feature_sets (
    feature_set text PRIMARY KEY,
    names text[] NOT NULL,
    first_logged timestamptz NOT NULL DEFAULT now()
);

-- Partitioned by day of event_time. The primary key must contain the partition key; event_time
-- is part of the transaction itself, identical on every redelivery, so a replayed message lands
-- on the same partition and the same key, and ON CONFLICT DO NOTHING keeps the first row.
CREATE TABLE decisions (
    transaction_id text NOT NULL,
    event_time timestamptz NOT NULL,
    card_id text NOT NULL,
    merchant_id text NOT NULL,
    amount double precision NOT NULL,
    currency text NOT NULL,
    feature_set text NOT NULL,
    features real[] NOT NULL,
    score double precision NOT NULL,
    model_version text NOT NULL,
    review_threshold double precision NOT NULL,
    block_threshold double precision NOT NULL,
    rules text[] NOT NULL,
    reasons text[] NOT NULL,
    decision text NOT NULL CHECK (decision IN ('approve', 'review', 'block')),
    kafka_ms real NOT NULL,
    decode_ms real NOT NULL,
    features_ms real NOT NULL,
    scoring_ms real NOT NULL,
    sinks_ms real NOT NULL,
    end_to_end_ms real NOT NULL,
    source_partition integer NOT NULL,
    source_offset bigint NOT NULL,
    decided_at timestamptz NOT NULL,
    PRIMARY KEY (transaction_id, event_time)
) PARTITION BY RANGE (event_time);

-- Ground truth, one row per labelled decision: the key is the decision's, so a label lives on
-- the same day partition as its decision and is dropped with it.
CREATE TABLE decision_labels (
    transaction_id text NOT NULL,
    event_time timestamptz NOT NULL,
    is_fraud boolean NOT NULL,
    scenario text NOT NULL,
    labelled_at timestamptz NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (transaction_id, event_time)
) PARTITION BY RANGE (event_time);
