"""A plan's SQL by its shape: compiled once with sqlglot (plansql.build), then read from the
on-disk cache, so that a question whose shape was asked before never imports sqlglot.

The SQL depends on the plan's shape, not on the values it binds: values are masked by sentinels
before compiling, and the sentinels in the bound parameters are mapped back to the real values.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from ksquery import cache
from ksquery.plan import Plan
from ksquery.semantic import Model

# Bump when the SQL a plan compiles to changes, so that cached shapes expire.
SHAPE_VERSION = "42"


def compile_plan(p: Plan, model: Model, fingerprint: str = "") -> tuple[str, dict[str, Any]]:
    """The plan as one DuckDB SELECT and its bound values (raises plan.NoPlan)."""
    masked, real = _masked(p)
    key = (
        "plan-"
        + hashlib.sha256(f"{SHAPE_VERSION}|{fingerprint}|{_shape(masked)}".encode()).hexdigest()[
            :32
        ]
    )
    stored = cache.load(key) if fingerprint else None
    if not (isinstance(stored, list) and len(stored) == 2 and isinstance(stored[1], dict)):
        from ksquery import plansql

        sql, params = plansql.build(masked, model)
        stored = [sql, params]
        if fingerprint:
            cache.store(key, stored)
    sql, params = stored
    return sql, {k: real.get(v, v) if isinstance(v, str) else v for k, v in params.items()}


def _masked(p: Plan) -> tuple[Plan, dict[str, Any]]:
    """A copy of the plan with every bound value replaced by a sentinel, and the sentinels."""
    real: dict[str, Any] = {}

    def mask(value: Any) -> Any:
        token = f"\x00v{len(real)}"
        real[token] = value
        return token

    filters = [
        replace(f, values=tuple(mask(v) for v in f.values))
        if f.op in ("in", "row")
        else replace(f, values=tuple(mask(v) for v in f.values))
        if f.op == "cmp"
        else f
        for f in p.filters
    ]
    whole = (p.whole[0], mask(p.whole[1])) if p.whole else None
    bound = p.change_filter
    if bound is not None:
        bound = (bound[0], mask(bound[1]), bound[2])
    part = (p.part[0], mask(p.part[1])) if p.part else None
    claim = (mask(p.change_claim[0]), mask(p.change_claim[1])) if p.change_claim else None
    having = (p.having[0], mask(p.having[1])) if p.having else None
    return (
        replace(
            p,
            filters=filters,
            whole=whole,
            change_filter=bound,
            part=part,
            change_claim=claim,
            having=having,
        ),
        real,
    )


def _shape(p: Plan) -> str:
    return json.dumps(
        {
            **p.as_dict(),
            "hela": p.whole,
            "minskar": p.decrease,
            "visa": p.show,
            "av": p.by,
            "svar": p.answer,
            "filterdetaljer": [[f.pos, f.default, repr(f.extra)] for f in p.filters],
        },
        ensure_ascii=False,
        default=str,
        sort_keys=True,
    )
