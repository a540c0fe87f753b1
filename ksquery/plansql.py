"""Plan -> one DuckDB SELECT, built with sqlglot's expression builder; values are bound.

Kept apart from plan.py so that reading a question never imports sqlglot: a plan whose shape was
compiled before is served from the cache (plancache.py), and only a new shape comes here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlglot import exp

from ksquery.plan import Filter, NoPlan, Plan
from ksquery.semantic import Model, TableModel


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _alias(e: exp.Expression, name: str) -> exp.Alias:
    return exp.alias_(e, name, quoted=True)


class _Params:
    """Bound values, named after their column ($år, $post_2) so that the answer's parameter line
    reads like the question; the same value for the same column is bound once."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any, column: str = "värde") -> exp.Placeholder:
        for name, bound in self.values.items():
            if name.rstrip("_0123456789") == column and bound == value:
                return exp.Placeholder(this=name)
        name, n = column, 1
        while name in self.values:
            n += 1
            name = f"{column}_{n}"
        self.values[name] = value
        return exp.Placeholder(this=name)


_CMP = {
    ">": exp.GT,
    ">=": exp.GTE,
    "<": exp.LT,
    "<=": exp.LTE,
    "=": exp.EQ,
    "!=": exp.NEQ,
}


def _condition(f: Filter, tm: TableModel, bind: _Params, years: tuple[int, ...]) -> exp.Expression:
    column = _col(f.column)
    cond: exp.Expression
    if f.op == "in":
        separator = tm.separators.get(f.column)
        if separator:
            parts = exp.func("string_split", column, exp.Literal.string(separator))
            cond = exp.or_(
                *(exp.func("list_contains", parts.copy(), bind(v, f.column)) for v in f.values)
            )
        elif len(f.values) == 1:
            cond = column.eq(bind(f.values[0], f.column))
        else:
            cond = column.isin(*(bind(v, f.column) for v in f.values))
    elif f.op == "flag":
        cond = exp.func("coalesce", column, exp.false())
    elif f.op == "exists":
        rel = f.extra or {}
        key = str(rel.get("key"))
        sub = (
            exp.select(_col(key))
            .from_(exp.to_table(str(rel.get("table")), quoted=True))
            .where(exp.not_(exp.Is(this=_col(key), expression=exp.null())))
        )
        cond = _col(key).isin(query=sub)
    elif f.op == "cmp":
        if f.column == tm.measure and tm.signed:
            column = exp.func("abs", column)  # "kostnader över 50 000 tkr": by size, not sign
        if f.cmp == "≈":  # "118,5 mnkr": within the rounding of the amount as written
            distance = exp.func("abs", exp.Sub(this=column, expression=bind(f.values[0], f.column)))
            cond = exp.LTE(this=distance, expression=bind(f.values[1], "avrundning"))
        else:
            cond = _CMP[f.cmp](this=column, expression=bind(f.values[0], f.column))
    elif f.op == "row":
        sub = (
            exp.select(exp.func("max", _col(f.column)))
            .from_(exp.to_table(tm.name, quoted=True))
            .where(_col(tm.label or "").eq(bind(f.values[0], tm.label or "värde")))
        )
        if tm.time and len(years) == 1:
            sub = sub.where(_col(tm.time).eq(bind(years[0], tm.time)))
        cond = _CMP[f.cmp](this=column, expression=exp.Subquery(this=sub))
    elif f.op == "contains":  # "kontroller som görs genom stickprov": the column's text says so
        word = bind(str(f.values[0]).lower(), f.column)  # a plain substring: no pattern signs
        cond = exp.func("contains", exp.func("lower", column), word)
    else:  # pragma: no cover - every op is listed above
        raise ValueError(f.op)
    # "samordnas inte av X": a row with no value at all is not X either
    return exp.not_(exp.func("coalesce", cond, exp.false())) if f.negate else cond


def _part_and_base(p: Plan, label: str | None) -> tuple[list[Filter], list[Filter]]:
    """A share's part is the row it names ('hyrornas andel av …'), else the last thing the
    question names (a flag, a level); the rest narrows the whole."""
    named = [f for f in p.filters if not f.default]
    if not named:
        return [], list(p.filters)
    rows = [f for f in named if f.op == "in" and f.column == label and not f.negate]
    part = rows[0] if rows else max(named, key=lambda f: f.pos)
    return [part], [f for f in p.filters if f is not part]


def build(p: Plan, model: Model) -> tuple[str, dict[str, Any]]:
    """The plan as one DuckDB SELECT (built with sqlglot's builder) and its bound values."""
    tm = model.tables[p.table]
    bind = _Params()
    table = exp.to_table(tm.name, quoted=True)
    measure = _col(p.measure) if p.measure else None
    by = _col(p.by) if p.by else measure
    time = _col(tm.time) if tm.time else None

    def where(filters: list[Filter], years: tuple[int, ...] = p.years, level: bool = True):
        conds = [_condition(f, tm, bind, years) for f in filters]
        if time is not None and years:
            conds.append(
                time.isin(*(bind(y, tm.time) for y in years))
                if len(years) > 1
                else time.eq(bind(years[0], tm.time))
            )
        if level and p.level and tm.levels:
            conds.append(_col(str(tm.levels["column"])).eq(bind(p.level, str(tm.levels["column"]))))
        return exp.and_(*conds) if conds else None

    def year_sum(y: int) -> exp.Expression:
        assert measure is not None and time is not None
        return exp.Filter(
            this=exp.Sum(this=measure.copy()),
            expression=exp.Where(this=time.copy().eq(bind(y, tm.time))),
        )

    label = _col(tm.label) if tm.label else None
    shown = [c for c in (*tm.show, *p.show) if c != p.measure and c not in p.group]
    shown = list(dict.fromkeys(shown))
    if p.answer and p.answer not in shown:
        shown.insert(0, p.answer)
    q: exp.Select
    agg = p.aggregate
    if p.group and agg in (None, "compare") and tm.time and p.measure:
        agg = "sum"
    elif p.group and agg is None:
        agg = "count"
    if agg in ("sum", "avg", "count"):
        func = {"sum": exp.Sum, "avg": exp.Avg}.get(agg)
        name = {"sum": f"summa_{tm.unit}" if tm.unit else "summa", "avg": "medel"}.get(agg, "antal")
        if agg == "count":
            value: exp.Expression = (
                exp.Count(this=exp.Distinct(expressions=[_col(p.count_of)]))
                if p.count_of
                else exp.Count(this=exp.Distinct(expressions=[time.copy()]))
                if p.count_years and time is not None
                else exp.Count(this=exp.Distinct(expressions=[label.copy()]))
                if tm.time and label is not None
                else exp.Count(this=exp.Star())
            )
        else:
            assert measure is not None and func is not None
            value = func(this=measure.copy())
            if agg == "avg":
                value = exp.func("round", value, exp.Literal.number(2))
        also: list[exp.Expression] = []
        if p.with_avg and time is not None and measure is not None:
            # "totalt och snitt per år": the sum over the years counted
            per_year = exp.Div(
                this=exp.Sum(this=measure.copy()),
                expression=exp.Count(this=exp.Distinct(expressions=[time.copy()])),
            )
            also.append(_alias(exp.func("round", per_year, exp.Literal.number(2)), "snitt_per_år"))
        groups = [_col(g) for g in p.group]
        split = [g for g in p.group if g in tm.separators]
        if split:
            g = split[0]
            inner = exp.select(
                _alias(
                    exp.func(
                        "trim",
                        exp.func(
                            "unnest",
                            exp.func("string_split", _col(g), exp.Literal.string(tm.separators[g])),
                        ),
                    ),
                    g,
                ),
                *([label.copy()] if label is not None else []),
            ).from_(table)
            cond = where(p.filters)
            if cond is not None:
                inner = inner.where(cond)
            q = (
                exp.select(_col(g), _alias(value, name))
                .from_(inner.subquery("t"))
                .group_by(_col(g))
            )
        else:
            if p.change_claim and agg == "sum":  # "uppgår den till 619,7 mnkr?"
                claimed, rounding = p.change_claim
                off = exp.func(
                    "abs", exp.Sub(this=value.copy(), expression=bind(claimed, "påstått"))
                )
                also.append(
                    _alias(exp.LTE(this=off, expression=bind(rounding, "avrundning")), "stämmer")
                )
            q = exp.select(*groups, _alias(value, name), *also).from_(table)
            cond = where(p.filters)
            if cond is not None:
                q = q.where(cond)
            if groups:
                q = q.group_by(*[g.copy() for g in groups])
        if p.having and (groups or split):
            op, bound = p.having
            compare = _CMP[op]
            name_of_bound = "antal" if agg == "count" else "gräns"
            bounded = value.copy()
            if tm.signed and agg != "count":
                bounded = exp.func("abs", bounded)  # "mer än 100 mnkr sammanlagt": by size
            q = q.having(compare(this=bounded, expression=bind(bound, name_of_bound)))
        if p.rank and (groups or split):
            ranked: exp.Expression = exp.column(name, quoted=True)
            if tm.signed and agg != "count":
                ranked = exp.func("abs", ranked)  # "störst personalkostnader": by size, not sign
            q = _ranked(q, ranked, p)
        elif groups or split:
            q = q.order_by(*[_col(g) for g in (split or p.group)])
    elif agg == "share":
        if p.part:  # the whole lists the part with another value of its column
            part = [Filter(p.part[0], "in", (p.part[1],))]
            base = list(p.filters)
        else:
            part, base = _part_and_base(p, tm.label)
        if not part:
            raise NoPlan("andelen av vad")
        # categories ("kostnader") and a named whole narrow the whole, not the part
        wholes = [f for f in base if f.op == "in" and f.default and not f.pos == -1]
        base = [f for f in base if f not in wholes]
        part_cond = exp.and_(*(_condition(f, tm, bind, p.years) for f in part))
        if measure is not None and tm.time:
            whole_conds = [_condition(f, tm, bind, p.years) for f in wholes]
            if p.whole:
                whole_conds.append(_col(p.whole[0]).eq(bind(p.whole[1], p.whole[0])))
            if p.level and tm.levels:
                whole_conds.append(
                    _col(str(tm.levels["column"])).eq(bind(p.level, str(tm.levels["column"])))
                )
            whole_cond = exp.and_(*whole_conds) if whole_conds else exp.true()
            # the amounts as the data has them; the share by size, where costs carry a minus
            size = exp.func("abs", measure.copy()) if tm.signed else measure.copy()
            num = exp.Filter(
                this=exp.Sum(this=measure.copy()), expression=exp.Where(this=part_cond)
            )
            den = exp.Filter(
                this=exp.Sum(this=measure.copy()), expression=exp.Where(this=whole_cond)
            )
            pct = _percent(
                exp.Filter(this=exp.Sum(this=size.copy()), expression=exp.Where(this=part_cond)),
                exp.Filter(this=exp.Sum(this=size.copy()), expression=exp.Where(this=whole_cond)),
            )
            names = (f"del_{tm.unit}", f"helhet_{tm.unit}")
        else:
            num = exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=part_cond))
            den = exp.Count(this=exp.Star())
            names = ("antal", "av")
            pct = _percent(num, den)
        by_year = [time.copy()] if time is not None and p.group == (tm.time,) else []
        q = exp.select(
            *by_year, _alias(num, names[0]), _alias(den, names[1]), _alias(pct, "andel_procent")
        ).from_(table)
        cond = where(base, level=False)
        if cond is not None:
            q = q.where(cond)
        if by_year:  # "andel … 2024 jämfört med 2027": each year's share
            q = q.group_by(*[c.copy() for c in by_year]).order_by(*[c.copy() for c in by_year])
    elif agg == "versus" and measure is not None and label is not None:
        # two named rows side by side and their difference ("hur mycket mer får X än Y")
        by_column = p.versus_by or tm.label
        named = next((f for f in p.filters if f.op == "in" and f.column == by_column), None)
        if named is None or len(named.values) != 2:
            raise NoPlan("jämförelsen behöver precis två rader")
        first, second = named.values[0], named.values[1]

        def one(v: Any, size: bool = False) -> exp.Expression:
            # shown as the data has it; compared by size where costs carry a minus sign
            value = exp.func("abs", measure.copy()) if size and tm.signed else measure.copy()
            return exp.Filter(
                this=exp.Sum(this=value),
                expression=exp.Where(this=_col(by_column).eq(bind(v, by_column))),
            )

        difference = exp.Sub(this=one(first, True), expression=one(second, True))
        unit = f"_{tm.unit}" if tm.unit else ""
        # one row per year, not one sum (unless the question sums a span)
        per_year = time is not None and len(p.years) != 1 and not p.versus_total
        q = exp.select(
            *([time.copy()] if per_year and time is not None else []),
            _alias(bind(first, by_column), "första"),  # which row is which
            _alias(one(first), f"första{unit}"),
            _alias(bind(second, by_column), "andra"),
            _alias(one(second), f"andra{unit}"),
            _alias(exp.Paren(this=difference), f"skillnad{unit}"),
        ).from_(table)
        if p.ratio:  # "hur många gånger större": the first's size over the second's
            q = q.select(
                _alias(
                    exp.func(
                        "round",
                        exp.Div(
                            this=one(first, True),
                            expression=exp.func("nullif", one(second, True), exp.Literal.number(0)),
                        ),
                        exp.Literal.number(2),
                    ),
                    "gånger",
                )
            )
        cond = where(p.filters)
        if cond is not None:
            q = q.where(cond)
        if per_year and time is not None:
            q = q.group_by(time.copy()).order_by(time.copy())
            if p.change_filter:  # "vilka år är X större än Y"
                cmp, bound, _ = p.change_filter
                q = q.having(_CMP[cmp](this=difference.copy(), expression=bind(bound, "gräns")))
    elif agg == "change" and p.yearly and time is not None and measure is not None:
        # "vilket år ökar kommunbidraget mest": each year's sum against the year before's
        total = exp.Sum(this=measure.copy())
        before = exp.Window(
            this=exp.Anonymous(this="lag", expressions=[total.copy()]),
            order=exp.Order(expressions=[exp.Ordered(this=time.copy())]),
        )
        name = f"summa_{tm.unit}" if tm.unit else "summa"
        inner = exp.select(time.copy(), _alias(total, name), _alias(before, "året_före"))
        inner = inner.from_(table)
        cond = where(p.filters, ())
        if cond is not None:
            inner = inner.where(cond)
        inner = inner.group_by(time.copy())
        now, then = _col(name), _col("året_före")
        diff = exp.Paren(this=exp.Sub(this=now.copy(), expression=then.copy()))
        q = exp.select(
            _col(tm.time or ""),
            now.copy(),
            _alias(diff.copy(), "förändring"),
            _alias(_percent(diff, then), "förändring_procent"),
        ).from_(inner.subquery("år_för_år"))
        if p.years:  # "mellan 2025 och 2029": the years whose change is asked
            q = q.where(_col(tm.time or "").isin(*(bind(y, tm.time) for y in p.years)))
        growth = _growth(now, then, tm.signed)
        if p.decrease:
            growth = exp.Neg(this=growth)
        if p.change_filter:  # "vilka år minskar investeringarna jämfört med året innan"
            cmp, bound, percent = p.change_filter
            size = _percent(diff, then) if percent else growth.copy()
            q = q.where(_CMP[cmp](this=size, expression=bind(bound, "gräns")))
        if p.rank:
            q = q.where(exp.not_(exp.Is(this=then.copy(), expression=exp.null())))
            q = _ranked(q, growth, p)
        else:
            q = q.order_by(_col(tm.time or ""))
    elif agg in ("change", "setdiff", "compare") and time is not None and measure is not None:
        years = p.years
        cols = [_col(c) for c in (p.group or shown)]
        sums = [_alias(year_sum(y), str(y)) for y in years]
        q = exp.select(*cols, *sums).from_(table)
        cond = where(p.filters, years)
        if cond is not None:
            q = q.where(cond)
        q = q.group_by(*[c.copy() for c in cols])
        if agg == "change":
            a, b = year_sum(years[0]), year_sum(years[-1])
            diff = exp.Paren(this=exp.Sub(this=b.copy(), expression=a.copy()))
            # relative to the first year with its sign: a cost that grows grows by +x %
            pct = _percent(diff, a)
            q = q.select(_alias(diff, "förändring"), _alias(pct, "förändring_procent"))
            key = _growth(b, a, tm.signed)
            if p.change_claim:  # "stämmer det att X ökar med 5,2 mnkr"
                claimed, rounding = p.change_claim
                growth = exp.Neg(this=key.copy()) if p.decrease else key.copy()
                off = exp.func("abs", exp.Sub(this=growth, expression=bind(claimed, "påstått")))
                q = q.select(
                    _alias(exp.LTE(this=off, expression=bind(rounding, "avrundning")), "stämmer")
                )
            if p.by_percent:
                key = pct.copy()  # "ökar mest i procent": relative growth, sign as shown
            if p.decrease:
                key = exp.Neg(this=key)
            if p.either_way:
                key = exp.func("abs", key)  # "förändras mest": up or down
            if p.change_filter:
                # "ökar mer än 5 procent", "minskar med mer än 1 000 tkr"
                cmp, bound, percent = p.change_filter
                size = exp.Neg(this=pct.copy()) if percent and p.decrease else pct.copy()
                compared = size if percent else key.copy()
                test = _CMP[cmp](this=compared, expression=bind(bound, "gräns"))
                if p.filter_asked:  # "stämmer det att X stiger med mer än 3 %": ja eller nej
                    q = q.select(_alias(test, "stämmer"))
                else:
                    q = q.having(test)
            if p.rank:
                q = _ranked(q, key, p)
        elif agg == "setdiff":
            zero = exp.Literal.number(0)
            gone = exp.EQ(this=exp.func("coalesce", year_sum(years[-1]), zero), expression=zero)
            if len(years) == 2:
                had = exp.NEQ(
                    this=exp.func("coalesce", year_sum(years[0]), zero.copy()),
                    expression=zero.copy(),
                )
                gone = exp.and_(had, gone)
            q = q.having(gone)
        if not p.rank and tm.order:
            q = q.order_by(exp.func("min", _col(tm.order)))
    elif agg == "first" and time is not None and measure is not None and label is not None:
        cols = [_col(c) for c in shown]
        name = "sista_år" if p.latest else "första_år"  # "sista året som X får pengar"
        first = exp.Filter(
            this=(exp.Max if p.latest else exp.Min)(this=time.copy()),
            expression=exp.Where(
                this=exp.NEQ(this=measure.copy(), expression=exp.Literal.number(0))
            ),
        )
        q = exp.select(*cols, _alias(first, name)).from_(table)
        cond = where(p.filters, ())
        if cond is not None:
            q = q.where(cond)
        q = q.group_by(*[c.copy() for c in cols])
        if p.years:
            q = q.having(exp.EQ(this=first.copy(), expression=bind(p.years[0], name)))
        q = q.order_by(exp.column(name, quoted=True))
    elif p.constant and time is not None and measure is not None and label is not None:
        # "vilket objekt har samma belopp varje år": one amount over all the years asked
        cols = [_col(c) for c in shown]
        q = exp.select(
            *cols,
            _alias(exp.Min(this=measure.copy()), f"belopp_{tm.unit}" if tm.unit else "belopp"),
        )
        q = q.from_(table)
        cond = where(p.filters)
        if cond is not None:
            q = q.where(cond)
        q = q.group_by(*[c.copy() for c in cols]).having(
            exp.EQ(this=exp.Min(this=measure.copy()), expression=exp.Max(this=measure.copy()))
        )
        if tm.order:
            q = q.order_by(exp.func("min", _col(tm.order)))
    elif p.answer_only and p.answer and label is not None:
        # "vilken kategori hör Tjänstekatalog till": each named row and its answer, once
        named_rows = any(f.op == "in" and f.column == tm.label and not f.negate for f in p.filters)
        also = [_col(c) for c in p.show if c not in (p.answer, tm.label)]  # asked before it
        named_rows = named_rows and p.answer != tm.label  # the rows are the answer itself
        picked = [*also, _col(p.answer), *([label.copy()] if named_rows else [])]
        q = exp.select(*picked).distinct().from_(table)
        cond = where(p.filters)
        if cond is not None:
            q = q.where(cond)
        q = q.order_by(*[c.copy() for c in reversed(picked)])
    else:
        cols = [_col(c) for c in shown]
        multi_year = time is not None and len(p.years) != 1
        one_row = any(
            f.column == tm.label and f.op == "in" and len(f.values) == 1 for f in p.filters
        )
        if p.rank and multi_year and measure is not None and not one_row:
            total = exp.Sum(this=measure.copy())
            q = exp.select(*cols, _alias(total, f"summa_{tm.unit}" if tm.unit else "summa"))
            q = q.from_(table)
            cond = where(p.filters)
            if cond is not None:
                q = q.where(cond)
            q = q.group_by(*[c.copy() for c in cols])
            key = exp.func("abs", total.copy()) if tm.signed else total.copy()
            q = _ranked(q, key, p)
        else:
            extra = []
            if multi_year and time is not None:
                extra.append(time.copy())
            if measure is not None and p.measure not in shown:
                extra.append(measure.copy())
            if by is not None and p.by not in tm.show and p.by != p.measure:
                extra.append(by.copy())
            # "finns det någon kontroll för Cyberhot?": with the rows named, a flag or relation
            # is the answer (a yes/no column), not a filter that would leave nothing to show
            asked = (
                [f for f in p.filters if f.op in ("flag", "exists") or f.extra == "asked"]
                if one_row
                else []
            )
            for f in asked:
                if f.op == "cmp":
                    name = "stämmer"  # "är X större än 120 miljoner": ja eller nej, per row
                else:
                    name = f.column if f.op == "flag" else f"i_{(f.extra or {}).get('table')}"
                yes = _condition(replace(f, negate=False), tm, bind, p.years)
                extra.append(_alias(yes, name))
            if p.scale_names:  # "i ord": each scale column's level by its word
                extra.extend(_scale_words(tm, model, bind))
            if p.with_count:  # "hur många …, och vilka": each row says how many there are
                window = exp.Window(this=exp.Count(this=exp.Star()))
                extra.append(_alias(window, "antal"))
            q = exp.select(*cols, *extra).from_(table)
            cond = where([f for f in p.filters if f not in asked])
            if cond is not None:
                q = q.where(cond)
            if p.rank and by is not None:
                key = exp.func("abs", by.copy()) if tm.signed else by.copy()
                q = _ranked(q, key, p)
            else:
                order = [_col(tm.order)] if tm.order else []
                if multi_year and time is not None:
                    order.append(time.copy())
                if order:
                    q = q.order_by(*order)
    return q.sql(dialect="duckdb"), bind.values


def _scale_words(tm: TableModel, model: Model, bind: _Params) -> list[exp.Expression]:
    """Each scale column's level as its word ("väsentlighet 4" → its word), read from the scale
    table the dictionary names; only the scale's name is bound."""
    src = model.scale_source
    if not src:
        return []
    out = []
    for column, scale in tm.scales.items():
        word = (
            exp.select(_col(src["word"]))
            .from_(exp.to_table(src["table"], quoted=True))
            .where(_col(src["scale"]).eq(bind(scale, src["scale"])))
            .where(_col(src["level"]).eq(exp.column(column, table=tm.name, quoted=True)))
        )
        out.append(_alias(exp.Subquery(this=word), f"{column}_i_ord"))
    return out


def _growth(now: exp.Expression, then: exp.Expression, signed: bool) -> exp.Expression:
    """How much an amount grew, by size: a cost (negative) that becomes larger grew."""
    if signed:
        now, then = exp.func("abs", now.copy()), exp.func("abs", then.copy())
    return exp.Paren(this=exp.Sub(this=now.copy(), expression=then.copy()))


def _percent(part: exp.Expression, whole: exp.Expression) -> exp.Expression:
    """round(100 * part / whole, 1), NULL where the whole is zero."""
    return exp.func(
        "round",
        exp.Div(
            this=exp.Mul(this=exp.Literal.number("100.0"), expression=part.copy()),
            expression=exp.func("nullif", whole.copy(), exp.Literal.number(0)),
        ),
        exp.Literal.number(1),
    )


def _ranked(q: exp.Select, key: exp.Expression, p: Plan) -> exp.Select:
    """Order by `key` and keep the first `limit` rows, ties included; with rank "both" the
    first rows from either end ("högsta och lägsta")."""

    def top(desc: bool) -> exp.Expression:
        order = exp.Ordered(this=key.copy(), desc=desc)
        window = exp.Window(this=exp.Anonymous(this="rank"), order=exp.Order(expressions=[order]))
        return exp.LTE(this=window, expression=exp.Literal.number(p.limit or 1))

    q = q.order_by(exp.Ordered(this=key.copy(), desc=p.rank != "asc"))
    if p.nth:  # "näst störst": only the row in that place
        order = exp.Ordered(this=key.copy(), desc=p.rank != "asc")
        window = exp.Window(this=exp.Anonymous(this="rank"), order=exp.Order(expressions=[order]))
        return q.qualify(exp.EQ(this=window, expression=exp.Literal.number(p.nth)))
    if p.rank == "both":
        return q.qualify(exp.or_(top(True), top(False)))
    if p.limit:
        q = q.qualify(top(p.rank == "desc"))
    return q
