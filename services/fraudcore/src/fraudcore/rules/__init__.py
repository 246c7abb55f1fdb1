"""Rules as data: a small, safe expression language over the served features and the payment's
fields, compiled once into vector operations over a batch. No ``eval``: a grammar of our own.

    rule        := or
    or          := and ("or" and)*
    and         := not ("and" not)*
    not         := "not" not | comparison
    comparison  := sum [("<" | "<=" | ">" | ">=" | "==" | "!=") sum | ["not"] "in" list]
    list        := NAME | "[" item ("," item)* [","] "]"        item := ["-"] NUMBER | STRING
    sum         := product (("+" | "-") product)*
    product     := signed (("*" | "/") signed)*
    signed      := "-" signed | value
    value       := NUMBER | STRING | "true" | "false" | NAME | NAME "(" rule ")" | "(" rule ")"

Names are features (numbers; flags such as ``new_merchant`` are also conditions), payment
fields (text such as ``card_id``, ``country``; numbers ``lat``, ``lon``) and lists
(``blocked_cards`` ...); functions are ``missing(x)`` and ``abs(x)``; ``#`` starts a comment.
Types are checked at compile time and errors point at line and column.

Missing values (a NaN feature, an absent device, a payment field when the batch has none) make
a comparison unknown, and logic is three-valued as in SQL (``not`` unknown is unknown, ``false
and`` unknown is false, ``true or`` unknown is true): a rule fires only where it is surely true,
so it never fires on evidence it does not have. ``missing(x)`` asks for the absence itself.
Arithmetic is IEEE float32 as the features are served; a division by zero is missing.
"""

from fraudcore.rules.baseline import BASELINE_RULES
from fraudcore.rules.batch import Batch
from fraudcore.rules.compiler import compile_condition
from fraudcore.rules.definition import Action, RuleDefinition, Status
from fraudcore.rules.engine import CompiledRule, Decided, RuleSet, RuleSetError, compile_rule
from fraudcore.rules.errors import RuleError
from fraudcore.rules.vocabulary import SERVED, Type, Vocabulary

__all__ = [
    "BASELINE_RULES",
    "SERVED",
    "Action",
    "Batch",
    "CompiledRule",
    "Decided",
    "RuleDefinition",
    "RuleError",
    "RuleSet",
    "RuleSetError",
    "Status",
    "Type",
    "Vocabulary",
    "compile_condition",
    "compile_rule",
]
