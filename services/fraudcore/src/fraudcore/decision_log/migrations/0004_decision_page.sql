-- The analyst's decision page: the whole payment, and the card's earlier decisions.

-- The rest of the transaction (who, where, which shop), so a decision can be shown and mapped
-- without the event stream. Added without defaults (no table rewrite): NULL on older decisions.
ALTER TABLE decisions
    ADD COLUMN customer_id text,
    ADD COLUMN merchant_name text,
    ADD COLUMN merchant_category text,
    ADD COLUMN channel text,
    ADD COLUMN city text,
    ADD COLUMN lat double precision,
    ADD COLUMN lon double precision,
    ADD COLUMN device_id text;

-- A card's recent decisions, newest first: an index range read per day partition. The search
-- by card wants the same index: IF NOT EXISTS, so whichever migration comes first makes it.
CREATE INDEX IF NOT EXISTS decisions_by_card
    ON decisions (card_id, event_time DESC, transaction_id DESC);
