-- Champion and challenger: the challenger scores every payment in shadow beside the champion;
-- its score, decision and reasons are kept on the champion's row (never acted on), so the two
-- models are compared on exactly the same payments and, as labels arrive, the same outcomes.

-- NULL when no challenger was set. Added without defaults: no table rewrite.
ALTER TABLE decisions
    ADD COLUMN challenger_version text,
    ADD COLUMN challenger_score double precision,
    ADD COLUMN challenger_decision text
        CHECK (challenger_decision IN ('approve', 'review', 'block')),
    ADD COLUMN challenger_reasons text[];
