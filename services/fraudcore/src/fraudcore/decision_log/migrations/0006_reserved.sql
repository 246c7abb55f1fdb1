-- Number 0006 is reserved for the challenger model's columns, written on another branch; this
-- placeholder keeps the versions without a gap until that migration replaces it on merge.
SELECT 1;
