-- Lists rules read (card_id in blocked_cards): who put each entry there, why, when, until when;
-- their own revision beside the rules', which consumers poll in the same one-row read; and the
-- known-compromised policy's rule for a database whose rules are already data.
-- Depends only on 0001-0007.

-- One row per value on a list. Removing deletes the row (audit_events keeps what it was); an
-- entry past its expiry stops matching at once and stays, shown as expired, until replaced.
CREATE TABLE list_entries (
    list_name text NOT NULL,
    value text NOT NULL,
    source text NOT NULL CHECK (source IN ('hand', 'verdict', 'policy')),
    added_by text NOT NULL,
    reason text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,  -- NULL: until removed
    transaction_id text,  -- the payment whose confirmed fraud put it there (verdict, policy)
    PRIMARY KEY (list_name, value)
);
CREATE INDEX list_entries_by_expiry ON list_entries (expires_at) WHERE expires_at IS NOT NULL;

-- Bumped by every list change in the same transaction; a constant default: no table rewrite.
ALTER TABLE rules_revision ADD COLUMN lists_revision bigint NOT NULL DEFAULT 0;

-- Where the rules are data already (revision > 0), the policy's rule joins them as the built-in
-- baseline (fraudcore.rules.baseline) carries it, audited like any change; at revision 0 the
-- baseline, which holds it, is written with the first change.
WITH added AS (
    INSERT INTO rules (rule_id, version, expression, action, reason, priority, status)
    SELECT 'R05-KNOWN-COMPROMISED', 1, 'card_id in compromised_cards', 'block',
           'a card with fraud confirmed on it (chargeback or analyst): known compromised',
           900, 'active'
    FROM rules_revision WHERE revision > 0
    ON CONFLICT DO NOTHING
    RETURNING rule_id, version, expression, action, reason, priority, status
), audited AS (
    INSERT INTO audit_events (actor, role, action, transaction_id, detail)
    SELECT 'baseline', 'migration', 'rule_change', NULL,
           jsonb_build_object('rule_id', rule_id, 'version', version, 'before', NULL,
                              'after', to_jsonb(added) - 'rule_id' || jsonb_build_object('id', rule_id))
    FROM added
)
UPDATE rules_revision SET revision = revision + 1, changed_at = now()
WHERE EXISTS (SELECT 1 FROM added);
