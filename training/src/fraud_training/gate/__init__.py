"""The gate between a retrained model and the champion: ``evaluate`` (the same labelled window of
the decision log, bootstrap intervals from ``offline_eval``, verdicts against configurable gates,
kept in the registry) and ``retrain`` (train from the log, register, evaluate, challenger)."""
