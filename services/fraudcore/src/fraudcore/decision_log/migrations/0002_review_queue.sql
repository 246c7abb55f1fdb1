-- The analysts' review queue: decisions waiting for a human, filtered and paged by keyset.

-- The payment's country, a queue filter. Added without a default (no table rewrite): NULL on the
-- decisions logged before this migration.
ALTER TABLE decisions ADD COLUMN country text;

-- Only decisions a human may have to look at (review, block) are indexed, in the queue's two
-- orders, so a page is an index range read per day partition whatever the number of approvals.
CREATE INDEX decisions_queue_oldest ON decisions (event_time, transaction_id)
    WHERE decision <> 'approve';
CREATE INDEX decisions_queue_riskiest ON decisions (score DESC, event_time, transaction_id)
    WHERE decision <> 'approve';
