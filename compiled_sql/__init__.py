"""ORM queries compiled to SQL once per process (docs/architecture.md, "Hot reads").

On the busiest reads, building the SQL from a queryset (resolving lookups, joins and
expressions) costs more than PostgreSQL takes to answer it (docs/benchmarks.md). A
``CompiledQuery`` builds its queryset once, with a ``Param`` wherever a request's value goes,
keeps the SQL, its fixed parameters and the columns' converters, and from then on only runs
that SQL with each request's values. The query is still written, scoped and type-checked as
ORM code, goes through Django's cursor (query counting and logging see it) and returns what
``values()`` or ``values_list()`` would.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, Field, Lookup, Model, QuerySet


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where a ``Param``'s value goes in the compiled parameters."""

    name: str
    field: Field

    def prepare(self, value: Any, connection) -> Any:
        # What the ORM does to a value compared with a field of this type (e.g. SQLite wants
        # datetimes as text): the same SQL gets the same parameters as an ordinary query.
        return self.field.get_db_prep_value(value, connection, prepared=False)


class Param(Expression):
    """A named value of a compiled query: ``filter(patient_id=Param("patient",
    IntegerField()))``. Only in places that take one value (not ``__in``)."""

    def __init__(self, name: str, output_field: Field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", (_Slot(self.name, self.output_field),)

    def get_group_by_cols(self):
        return []


class AnyOf(Lookup):
    """``column = ANY(array)`` (PostgreSQL): ``filter(AnyOf(F("session_id"), Param("ids",
    ArrayField(IntegerField()))))`` is ``session_id__in`` with one parameter for the whole
    list, so the SQL stays the same whatever the list's length."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...]
    expected: frozenset[str]
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]


class CompiledQuery:
    """``build()`` returns a ``values()`` or ``values_list()`` queryset with ``Param``s; it is
    called once per process and database alias, on first use."""

    def __init__(self, build: Callable[[], QuerySet[Any, Any]]):
        self._build = build
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, using: str) -> _Compiled:
        query = self._build().query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if query.selected:
            names = tuple(query.selected)
        else:
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            names=names,
            expected=frozenset(param.name for param in params if type(param) is _Slot),
            converters=converters,
        )
        self._compiled[using] = compiled
        return compiled

    def tuples(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[tuple[Any, ...]]:
        """The rows as ``values_list()`` would give them."""
        compiled = self._compiled.get(using) or self._compile(using)
        if values.keys() != compiled.expected:
            # A value the query has no place for is a mistake in the caller, not a no-op.
            raise TypeError(f"expected {sorted(compiled.expected)}, got {sorted(values)}")
        connection = connections[using]
        params = [
            param.prepare(values[param.name], connection) if type(param) is _Slot else param
            for param in compiled.params
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: Sequence[tuple[Any, ...]] = cursor.fetchall()
        if not compiled.converters:
            return list(rows)
        converted = []
        for row in rows:
            columns = list(row)
            for position, functions, expression in compiled.converters:
                value = columns[position]
                for function in functions:
                    value = function(value, expression, connection)
                columns[position] = value
            converted.append(tuple(columns))
        return converted

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[dict[str, Any]]:
        """The rows as ``values()`` would give them."""
        rows = self.tuples(using=using, **values)
        names = self._compiled[using].names
        return [dict(zip(names, row, strict=True)) for row in rows]


def model_columns(model: type[Model], prefix: str = "") -> list[str]:
    """The names to pass to ``values()`` for every concrete column of ``model`` (reached
    through ``prefix``, e.g. ``"user__"``), for ``model_from_row``."""
    return [f"{prefix}{field.name}" for field in model._meta.concrete_fields]


def model_from_row[M: Model](
    model: type[M], row: dict[str, Any], prefix: str = "", using: str = DEFAULT_DB_ALIAS
) -> M:
    """The model object of a compiled query's row that has ``model_columns(model, prefix)``,
    as the ORM would have made it."""
    fields = model._meta.concrete_fields
    values = [row[f"{prefix}{field.name}"] for field in fields]
    return model.from_db(using, [field.attname for field in fields], values)
