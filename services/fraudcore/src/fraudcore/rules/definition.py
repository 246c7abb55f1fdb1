"""A rule as data: what a fraud team writes, versions, reviews and applies (from a file in git
today; from the live rules topic later). Its expression is checked by the engine, not here."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fraudcore.rules.parser import MAX_LENGTH

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]


class Action(StrEnum):
    BLOCK = "block"  # decline, whatever the model says
    REVIEW = "review"  # at least a review: raises an approve, never lowers a block
    ALLOW = "allow"  # approve, unless a rule of higher priority that fired says otherwise


class Status(StrEnum):
    DRAFT = "draft"  # written, not evaluated on traffic
    SHADOW = "shadow"  # evaluated on traffic, "would have fired", changes no decision
    ACTIVE = "active"  # evaluated and acted on
    RETIRED = "retired"  # kept for the record only


class RuleDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: RuleId
    version: Annotated[int, Field(ge=1)]
    expression: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LENGTH)]
    action: Action
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="why the rule exists, in words an analyst reads beside the decision"
    )
    priority: Annotated[int, Field(ge=0, le=1_000)] = Field(
        default=100, description="higher first; decides between an allow and a block or review"
    )
    status: Status = Status.DRAFT
