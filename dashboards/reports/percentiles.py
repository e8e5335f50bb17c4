"""Durations and their percentiles, computed by the database.

PostgreSQL has the ordered-set aggregate `percentile_cont(p) WITHIN GROUP (ORDER BY x)`, used
as is (rounded to the millisecond, like the durations). SQLite has none, so there the same
figure (continuous percentile, linear interpolation between the two nearest ranks:
value[lo] + frac x (value[lo+1] - value[lo]) with lo + frac = p x (n - 1)) is computed by one
SQL statement over window functions (`ROW_NUMBER()` and `COUNT(*)` over each group, then the
two rows around the rank). Both give the same numbers; a test checks them against a plain
Python computation on both backends.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.db import connections, models
from django.db.models import F, FloatField, Func, QuerySet


class SecondsBetween(Func):
    """(end - start) in seconds, as a float rounded to the millisecond, on every backend."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        raise NotImplementedError(f"SecondsBetween has no SQL for {connection.vendor}.")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # julianday() is a day count as a double: about 10 microseconds of resolution today.
        end, start = (compiler.compile(e) for e in self.source_expressions)
        sql = f"ROUND((julianday({end[0]}) - julianday({start[0]})) * 86400.0, 3)"
        return sql, (*end[1], *start[1])

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        end, start = (compiler.compile(e) for e in self.source_expressions)
        sql = f"ROUND(EXTRACT(EPOCH FROM ({end[0]} - {start[0]}))::numeric, 3)::double precision"
        return sql, (*end[1], *start[1])


MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


def duration_percentiles(
    rows: QuerySet[Any], *, value: str, group: str | None = None
) -> dict[Any, dict[str, Any]]:
    """{group value (None when ungrouped): {"count", "median", "p90"}} for the non-null values of
    the annotation `value` over rows. One query, whatever the number of rows or groups.

    Both backends read the rows as a derived table (Django compiles it), so each row's value
    is computed once, not once per percentile and once more for the null check."""
    group_expr = F(group) if group else models.Value(None, output_field=models.IntegerField())
    rows = rows.order_by().annotate(_group=group_expr).values("_group", value)
    db = rows.db
    inner_sql, params = rows.query.get_compiler(using=db).as_sql()
    return percentiles_of_sql(inner_sql, params, value=value, db=db)


def percentiles_of_sql(
    inner_sql: str, params: Any, *, value: str, db: str = "default"
) -> dict[Any, dict[str, Any]]:
    """duration_percentiles over a derived table given as SQL, whose columns are `_group` and
    `value` (the summary rows and the events past them, dashboards/reports/activity/rolled.py)."""
    quoted = connections[db].ops.quote_name
    g, v = quoted("_group"), quoted(value)
    if connections[db].vendor == "postgresql":
        # Rounded to the millisecond like the durations, so both backends agree exactly.
        picks = ", ".join(
            f"ROUND((PERCENTILE_CONT({float(fraction)!r}) WITHIN GROUP (ORDER BY {v}))"
            f"::numeric, 3)::double precision"
            for fraction in (MEDIAN, P90)
        )
        sql = (
            f"SELECT {g}, COUNT(*), {picks} FROM ({inner_sql}) AS durations "  # noqa: S608
            f"WHERE {v} IS NOT NULL GROUP BY {g}"
        )
    else:
        sql = _window_sql(inner_sql, g, v)
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return {
            group_value: {"count": count, "median": median, "p90": p90}
            for group_value, count, median, p90 in cursor.fetchall()
        }


def _rank_parts(fraction: Fraction, n_sql: str) -> tuple[str, str]:
    """SQL for the 1-based lower rank and the interpolation weight of percentile `fraction` over
    n rows, in integer arithmetic (no rounding drift): p(n-1) = lo + frac."""
    num, den = fraction.numerator, fraction.denominator
    lower = f"(({num} * ({n_sql} - 1)) / {den}) + 1"
    # %% is SQL's modulo, escaped for the DB-API's %s placeholders.
    weight = f"((({num} * ({n_sql} - 1)) %% {den}) * 1.0 / {den})"
    return lower, weight


def _window_sql(inner_sql: str, g: str, v: str) -> str:
    """The continuous percentile with window functions, for backends without percentile_cont."""
    picks, finals = [], []
    for name, fraction in (("median", MEDIAN), ("p90", P90)):
        lower, weight = _rank_parts(fraction, "n")
        picks.append(
            f"MAX(CASE WHEN rn = {lower} THEN v END) AS {name}_lo, "
            f"MAX(CASE WHEN rn = {lower} + 1 THEN v END) AS {name}_hi, "
            f"MAX({weight}) AS {name}_w"
        )
        # value[lo] + frac x (value[lo + 1] - value[lo]); no next row when frac is 0.
        finals.append(
            f"ROUND({name}_lo + {name}_w * (COALESCE({name}_hi, {name}_lo) - {name}_lo), 3) "
            f"AS {name}"
        )
    # Built from our own constants, quoted names and Django's compiled SQL; values stay params.
    return (
        f"SELECT g, n, {', '.join(finals)} FROM ("  # noqa: S608
        f" SELECT g, MAX(n) AS n, {', '.join(picks)} FROM ("
        f"  SELECT g, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v) AS rn,"
        f"   COUNT(*) OVER (PARTITION BY g) AS n"
        f"  FROM (SELECT {g} AS g, {v} AS v FROM ({inner_sql}) AS durations) AS d"
        f"  WHERE v IS NOT NULL"
        f" ) AS ranked GROUP BY g"
        f") AS picked"
    )
