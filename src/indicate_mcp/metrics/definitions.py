"""Governed metric definitions and data sources, as every surface sees them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Unit = Literal["percent", "currency", "count", "number"]
UNITS: tuple[Unit, ...] = ("percent", "currency", "count", "number")
Aggregation = Literal["sum", "average", "min", "max", "last", "ratio"]
AGGREGATIONS: tuple[Aggregation, ...] = ("sum", "average", "min", "max", "last", "ratio")
SourceStatus = Literal["active", "misbehaving"]

METRIC_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Measure and dimension names travel through CSV headers and YAML keys, so keep them plain.
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")


def check_name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise ValueError(
            f"{what} {value!r} must start with a letter and use only letters, digits, "
            "'_', '.' or '-' (at most 64 characters)"
        )
    return value


class DataSource(BaseModel):
    id: str
    space_id: str
    name: str
    integration: str
    status: SourceStatus
    connected_at: dt.date


class MetricDefinition(BaseModel):
    """One metric over one data source's daily measures.

    ``ratio`` sums ``numerator`` and ``denominator`` per bucket, then divides; every other
    aggregation works on ``measure``. ``multiplier`` scales the result (100 for a percentage).
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="lower_snake_case, unique in the space, e.g. occupancy_rate")
    name: str = Field(min_length=1, max_length=128)
    description: str = ""
    data_source_id: str
    unit: Unit
    currency: str | None = Field(default=None, description="ISO 4217 code when unit=currency")
    aggregation: Aggregation
    measure: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    multiplier: float = 1.0
    dimensions: list[str] = Field(default_factory=list)
    version: int = Field(default=1, ge=1)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not METRIC_ID.match(value):
            raise ValueError(
                f"metric id {value!r} must be lower_snake_case: a lower-case letter, then "
                "letters, digits or '_' (at most 64 characters)"
            )
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"currency {value!r} must be an ISO 4217 code such as EUR or CHF")
        return value

    @field_validator("dimensions")
    @classmethod
    def _dimensions(cls, value: list[str]) -> list[str]:
        for name in value:
            check_name(name, "dimension")
        if len(set(value)) != len(value):
            raise ValueError("dimensions must not repeat")
        return value

    @model_validator(mode="after")
    def _shape(self) -> MetricDefinition:
        if self.unit == "currency" and self.currency is None:
            raise ValueError("unit 'currency' needs currency: an ISO 4217 code such as EUR")
        if self.unit != "currency" and self.currency is not None:
            raise ValueError(f"currency is only allowed with unit 'currency', not {self.unit!r}")
        if self.aggregation == "ratio":
            if not self.numerator or not self.denominator:
                raise ValueError("aggregation 'ratio' needs numerator and denominator measures")
            if self.measure is not None:
                raise ValueError("aggregation 'ratio' uses numerator/denominator, not measure")
            check_name(self.numerator, "numerator")
            check_name(self.denominator, "denominator")
        else:
            if not self.measure:
                raise ValueError(
                    f"aggregation {self.aggregation!r} needs measure (the daily measure it "
                    "aggregates); only 'ratio' uses numerator/denominator"
                )
            if self.numerator is not None or self.denominator is not None:
                raise ValueError("numerator/denominator are only allowed with aggregation 'ratio'")
            check_name(self.measure, "measure")
        if self.multiplier != self.multiplier or self.multiplier in (float("inf"), float("-inf")):
            raise ValueError("multiplier must be a finite number")
        return self

    @property
    def measures(self) -> tuple[str, ...]:
        if self.aggregation == "ratio":
            assert self.numerator is not None and self.denominator is not None
            return (self.numerator, self.denominator)
        assert self.measure is not None
        return (self.measure,)


class MetricInfo(MetricDefinition):
    """A definition with the span of its data, as ``list_metrics`` reports it."""

    first_date: dt.date | None = None
    last_date: dt.date | None = None
