"""The consumer's rules and lists: ``fraudcore.decision_log.rules_in_force``, the same source the
scorer decides with, with a database that was never read reported as the decision log being
unavailable (the batch waits and is retried, as for a write)."""

from __future__ import annotations

from fraud_consumer.decision_sink import DecisionLogUnavailableError
from fraudcore.decision_log.rules_in_force import (
    BuiltinRules,
    DatabaseRules,
    LoadedRules,
    RuleSource,
    RulesUnavailableError,
)
from fraudcore.settings import DatabaseSettings

__all__ = ["BuiltinRules", "LoadedRules", "RuleSource", "rule_source"]
APPLICATION = "fraud-consumer-rules"


class ConsumerRules:
    def __init__(self, source: RuleSource) -> None:
        self.source = source

    def current(self) -> LoadedRules:
        try:
            return self.source.current()
        except RulesUnavailableError as error:
            raise DecisionLogUnavailableError(str(error)) from error

    def close(self) -> None:
        self.source.close()


def rule_source(settings: DatabaseSettings | None, poll_s: float) -> RuleSource:
    if settings is None:
        return BuiltinRules()
    return ConsumerRules(DatabaseRules(settings, poll_s, APPLICATION))
