-- Rules as data: every version of every rule a fraud team wrote, which one is in force, the
-- revision consumers poll to pick up a change, and which rule versions each decision fired.
-- Depends only on 0001-0005.

-- A version's text never changes once written (a change is a new version); only its status
-- moves: draft -> shadow -> active -> retired. Who changed what is in audit_events.
CREATE TABLE rules (
    rule_id text NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    expression text NOT NULL,
    action text NOT NULL CHECK (action IN ('block', 'review', 'allow')),
    reason text NOT NULL,
    priority integer NOT NULL CHECK (priority BETWEEN 0 AND 1000),
    status text NOT NULL CHECK (status IN ('draft', 'shadow', 'active', 'retired')),
    created_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rule_id, version)
);
-- At most one version of a rule acts, and one runs in its shadow.
CREATE UNIQUE INDEX rules_one_active ON rules (rule_id) WHERE status = 'active';
CREATE UNIQUE INDEX rules_one_shadow ON rules (rule_id) WHERE status = 'shadow';

-- One row, bumped in the transaction of every change: consumers read it once a second and
-- reload the rules only when it moved. 0: never written, the built-in baseline (R01-R04) holds.
CREATE TABLE rules_revision (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    revision bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO rules_revision (revision) VALUES (0);

-- The versions of the rules a decision fired (in the order of its rules column) and the shadow
-- rules that would have fired. Added without defaults (no table rewrite): NULL on older rows.
ALTER TABLE decisions
    ADD COLUMN rule_versions integer[],
    ADD COLUMN shadow_rules text[],
    ADD COLUMN shadow_rule_versions integer[];
