"""Hot queries compiled once per thread, then only bound and run.

Building and compiling a query costs the ORM more (0.3 to 0.7 ms) than PostgreSQL spends answering a
lookup by unique index, and every /cp/ call makes one (its key) and most a second (its org). A
`Compiled` query is built by the ORM once per thread with placeholder values and its SQL kept;
each run binds its own values and turns the rows into models as `QuerySet` iteration does (field
converters, `select_related`), so what it returns is what the queryset would have returned.

Placeholders stand for string values (ids, hashes) compared as they are: a value the ORM would
transform (`iexact`, a non-string field) is refused when the query is first compiled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from inspect import signature
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Plan(Generic[M]):
    """One thread's compiled form: the SQL, where each value goes, and how a row becomes a model."""

    alias: str
    sql: str
    slots: Sequence[tuple[int | None, Any]]  # (placeholder index, or None and the fixed value)
    compiler: Any
    model: type[M]
    start: int
    end: int
    init_list: Sequence[str]
    populators: Sequence[Any]

    def bind(self, values: Sequence[str]) -> list[Any]:
        return [values[index] if index is not None else fixed for index, fixed in self.slots]

    def model_of(self, row: Sequence[Any]) -> M:
        obj = self.model.from_db(self.alias, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, obj)
        return obj


class Compiled(Generic[M]):
    """`build(*placeholders)` returns the queryset; `fetch(*values)` runs it with `values`."""

    def __init__(self, build: Callable[..., QuerySet[M]]) -> None:
        self._build = build
        self._arity = len(signature(build).parameters)
        self._per_thread = threading.local()

    def fetch(self, *values: str) -> list[M]:
        plan = self._plan()
        with connections[plan.alias].cursor() as cursor:
            cursor.execute(plan.sql, plan.bind(values))
            rows = cursor.fetchall()
        return [plan.model_of(row) for row in plan.compiler.results_iter([rows])]

    def first(self, *values: str) -> M | None:
        found = self.fetch(*values)
        return found[0] if found else None

    def _plan(self) -> _Plan[M]:
        plan: _Plan[M] | None = getattr(self._per_thread, "plan", None)
        if plan is None:
            plan = self._per_thread.plan = self._compile()
        return plan

    def _compile(self) -> _Plan[M]:
        placeholders = [f"\x00placeholder{index}\x00" for index in range(self._arity)]
        queryset = self._build(*placeholders)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = [(placeholders.index(p), None) if p in placeholders else (None, p) for p in params]
        missing = set(range(self._arity)) - {index for index, _ in slots}
        if missing or compiler.annotation_col_map:
            raise ValueError(f"{self._build!r}: a placeholder was transformed or dropped")
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        return _Plan(
            alias=queryset.db,
            sql=sql,
            slots=slots,
            compiler=compiler,
            model=klass_info["model"],
            start=fields[0],
            end=fields[-1] + 1,
            init_list=[column[0].target.attname for column in select[fields[0] : fields[-1] + 1]],
            # django-stubs follow Django 6 (a fourth argument); 5.2 takes these three.
            populators=get_related_populators(klass_info, select, queryset.db),  # type: ignore[call-arg]
        )


class Insert:
    """One row of every concrete column of `model`, its INSERT written once per database.

    For append-only rows made whole in Python (ids included, so no RETURNING) that nothing listens
    to: no save signals are sent. Values are prepared as `Model.save` prepares them.
    """

    def __init__(self, model: type[Model]) -> None:
        self._model = model
        self._sql: dict[str, str] = {}

    def __call__(self, obj: Model) -> None:
        alias = router.db_for_write(self._model, instance=obj)
        connection = connections[alias]
        fields = self._model._meta.concrete_fields
        sql = self._sql.get(alias)
        if sql is None:  # names from the model's _meta, quoted; every value is bound
            sql = self._sql[alias] = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                connection.ops.quote_name(self._model._meta.db_table),
                ", ".join(connection.ops.quote_name(str(field.column)) for field in fields),
                ", ".join(["%s"] * len(fields)),
            )
        values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
        obj._state.adding, obj._state.db = False, alias
