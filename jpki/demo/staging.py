"""How a large city is built fast: chunks built by worker processes into staging copies
(SQLite files or PostgreSQL schemas), merged into the real tables in one transaction."""

from __future__ import annotations

import os
import time

from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jpki.models import Application, Card, Certificate, IdentityDocument, ProxyAuthorization
from residents.models import Resident

from .common import (
    _IDS_PER_RESIDENT,
    _MODELS,
    CHANGE_REASON,
    _Chunk,
    _max_id,
)


class StagingMixin:
    """How a large city is built fast: chunks built by worker processes into staging copies

    A part of :class:`jpki.demo.city.CityBuilder`.
    """

    # ---------------------------------------------------------------- two processes
    def _build_parallel(self, jobs, workers: int):
        """Build the chunks in ``workers`` forked processes (both cores of the machine).

        Every process writes with ``bulk_create_with_history`` into its own scratch space, with
        ids from disjoint ranges: on SQLite (one writer at a time) a copy of the database
        (VACUUM INTO), on PostgreSQL a schema of UNLOGGED tables without indexes or foreign
        keys, put first on the process's search_path. This process then copies the new rows
        into the real tables in one transaction (INSERT ... SELECT, history rows included),
        rebuilding their secondary indexes at once, and removes the scratch space.
        """
        import multiprocessing as mp

        from django.db import connections

        ctx = mp.get_context("fork")
        sqlite = connection.vendor == "sqlite"
        postgres = connection.vendor == "postgresql"
        stages, id_bases, hist_bases = [], None, {}
        phase = time.monotonic()
        if postgres:
            id_bases = {key: _max_id(model) for key, model in _MODELS}
            stages = self._pg_create_stages(workers)
            self.timings["staging schemas"] = time.monotonic() - phase
        if sqlite:
            id_bases = {key: _max_id(model) for key, model in _MODELS}
            for k in range(workers):
                path = f"{connection.settings_dict['NAME']}.demo-stage-{os.getpid()}-{k}"
                if os.path.exists(path):
                    os.remove(path)
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM INTO %s", [path])
                stages.append(path)
            for _key, model in _MODELS:
                hist = model.history.model
                hist_bases[hist._meta.db_table] = _max_id(hist, "history_id")
            self.timings["staging copies"] = time.monotonic() - phase
        connections.close_all()
        phase = time.monotonic()
        queue = ctx.Queue()
        procs = []
        for k in range(workers):
            mine = jobs[k::workers]
            proc = ctx.Process(
                target=self._worker, args=(mine, stages[k] if stages else None, id_bases, queue), daemon=True
            )
            proc.start()
            procs.append(proc)
        done, failures = 0, []
        while done < workers:
            try:
                kind, value = queue.get(timeout=5)
            except Exception:  # noqa: BLE001 - queue.Empty: check that the workers are still there
                if not any(proc.is_alive() for proc in procs):
                    failures.append("a worker process ended without reporting (killed?)")
                    break
                continue
            if kind == "progress":
                if self.progress:
                    self.progress(value)
            elif kind == "stats":
                for key, n in value.items():
                    self.stats[key] = self.stats.get(key, 0) + n
                done += 1
            elif kind == "error":
                failures.append(value)
                done += 1
                for proc in procs:  # fail fast: the other process's work would be thrown away
                    if proc.is_alive():
                        proc.terminate()
                break
        for proc in procs:
            proc.join()
        self.timings[f"other chunks ({workers} processes)"] = time.monotonic() - phase
        try:
            if failures:
                raise RuntimeError("デモの市の作成に失敗しました:\n" + "\n".join(failures))
            phase = time.monotonic()
            if sqlite:
                self._merge_stages(stages, id_bases, hist_bases)
            elif postgres:
                self._pg_merge_stages(stages)
            if stages:
                self.timings["merge into the database"] = time.monotonic() - phase
        finally:
            if postgres:
                with connection.cursor() as cursor:
                    for schema in stages:
                        cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema)} CASCADE")
            elif sqlite:
                for path in stages:
                    for suffix in ("", "-wal", "-shm", "-journal"):
                        if os.path.exists(path + suffix):
                            os.remove(path + suffix)

    def _worker(self, jobs, stage_path, id_bases, queue):
        import traceback

        from django.db import connections

        try:
            connections.close_all()
            if stage_path and connection.vendor == "postgresql":
                # unqualified table names now resolve to the scratch schema first
                options = connections["default"].settings_dict.setdefault("OPTIONS", {})
                options["options"] = f"-c search_path={stage_path},{self._pg_search_path}"
            elif stage_path:
                connections["default"].settings_dict["NAME"] = stage_path
                self._lighten_stage()
            self.stats = {}
            self._tune_connection()
            for c, count in jobs:
                self._build_chunk(c, count, id_bases)
                queue.put(("progress", count))
            connections.close_all()
            queue.put(("stats", self.stats))
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises
            queue.put(("error", traceback.format_exc()))

    @staticmethod
    def _pg_can_create_schema() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT has_database_privilege(current_database(), 'CREATE')")
            return bool(cursor.fetchone()[0])

    def _pg_tables(self):
        tables = []
        for _key, model in _MODELS:
            tables += [model._meta.db_table, model.history.model._meta.db_table]
        return tables

    def _pg_create_stages(self, workers: int) -> list[str]:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schemas(false)")
            self._pg_search_path = ",".join(cursor.fetchone()[0]) or "public"
            stages = []
            for k in range(workers):
                schema = f"demo_stage_{os.getpid()}_{k}"
                cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
                cursor.execute(f"CREATE SCHEMA {quote(schema)}")
                stages.append(schema)
                for table in self._pg_tables():
                    cursor.execute(
                        f"CREATE UNLOGGED TABLE {quote(schema)}.{quote(table)} "
                        f"(LIKE {quote(table)} INCLUDING DEFAULTS INCLUDING IDENTITY)"
                    )
        return stages

    def _pg_merge_stages(self, stages):
        """INSERT ... SELECT from the scratch schemas, with the secondary indexes rebuilt."""
        from django.core.management.color import no_style

        self._tune_connection()
        quote = connection.ops.quote_name
        tables = self._pg_tables()
        with transaction.atomic(), connection.cursor() as cursor:
            # check the foreign keys statement by statement (no trigger events left pending when
            # the indexes are built again)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # secondary indexes that no constraint owns (primary keys and UNIQUE constraints stay)
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE t.relname = ANY(%s) AND n.nspname = ANY(current_schemas(false)) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [tables],
            )
            indexes = cursor.fetchall()
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {name}")
            for _key, model in _MODELS:
                table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
                cols = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
                union = " UNION ALL ".join(f"SELECT {cols} FROM {quote(schema)}.{table}" for schema in stages)
                cursor.execute(f"INSERT INTO {table} ({cols}) SELECT * FROM ({union}) AS s ORDER BY {pk}")
            for _key, model in _MODELS:
                hist = model.history.model
                table = quote(hist._meta.db_table)
                cols = ", ".join(quote(f.column) for f in hist._meta.concrete_fields if f.column != "history_id")
                union = " UNION ALL ".join(f"SELECT {cols} FROM {quote(schema)}.{table}" for schema in stages)
                cursor.execute(f"INSERT INTO {table} ({cols}) SELECT * FROM ({union}) AS s ORDER BY {quote('id')}")
            for _name, sql in indexes:
                cursor.execute(sql)
            # the explicit ids moved past the identity sequences: move them on
            for sql in connection.ops.sequence_reset_sql(no_style(), [model for _key, model in _MODELS]):
                cursor.execute(sql)
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {quote(table)}")

    @staticmethod
    def _lighten_stage():
        """A staging copy is write-only scratch space: drop its secondary indexes and skip its
        foreign-key checks. The merge into the real database maintains and checks both."""
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
            tables = []
            for _key, model in _MODELS:
                tables += [model._meta.db_table, model.history.model._meta.db_table]
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({placeholders})",
                tables,
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

    def _assign_ids(self, chunk: _Chunk, c: int, id_bases: dict):
        """Explicit ids from the chunk's own ranges (SQLite staging copies must not collide)."""
        for key, items in (
            ("residents", chunk.residents),
            ("cards", chunk.cards),
            ("applications", chunk.apps),
            ("certificates", chunk.certs),
            ("proxy_authorizations", chunk.proxies),
            ("identity_documents", chunk.docs),
        ):
            span = self.batch_size * _IDS_PER_RESIDENT[key]
            if len(items) > span:
                raise RuntimeError(f"too many {key} in chunk {c}: {len(items)} > {span}")
            start = id_bases[key] + (c - 1) * span + 1
            for i, obj in enumerate(items):
                obj.pk = start + i

    def _merge_stages(self, stages, id_bases, hist_bases):
        """Copy the new rows of the staging copies into the database, in one transaction.

        The tables' secondary indexes are dropped and created again inside the same transaction
        (building an index at once is much cheaper than a million random inserts into it); if
        anything fails, the transaction restores everything as it was.
        """
        self._tune_connection()
        quote = connection.ops.quote_name
        aliases = [f"demo_stage_{k}" for k in range(len(stages))]
        with connection.cursor() as cursor:
            for alias, path in zip(aliases, stages, strict=True):
                cursor.execute(f"ATTACH DATABASE %s AS {alias}", [path])
            try:
                with transaction.atomic():
                    tables = []
                    for _key, model in _MODELS:
                        tables += [model._meta.db_table, model.history.model._meta.db_table]
                    placeholders = ", ".join(["%s"] * len(tables))
                    cursor.execute(
                        "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                        f"AND tbl_name IN ({placeholders})",
                        tables,
                    )
                    indexes = cursor.fetchall()
                    for name, _sql in indexes:
                        cursor.execute(f"DROP INDEX main.{quote(name)}")
                    for key, model in _MODELS:
                        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
                        cols = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
                        union = " UNION ALL ".join(
                            f"SELECT {cols} FROM {alias}.{table} WHERE {pk} > %s" for alias in aliases
                        )
                        cursor.execute(
                            f"INSERT INTO main.{table} ({cols}) SELECT * FROM ({union}) ORDER BY {pk}",
                            [id_bases[key]] * len(aliases),
                        )
                    for _key, model in _MODELS:
                        hist = model.history.model
                        table = quote(hist._meta.db_table)
                        cols = ", ".join(
                            quote(f.column) for f in hist._meta.concrete_fields if f.column != "history_id"
                        )
                        union = " UNION ALL ".join(
                            f"SELECT {cols} FROM {alias}.{table} WHERE history_id > %s" for alias in aliases
                        )
                        cursor.execute(
                            f"INSERT INTO main.{table} ({cols}) SELECT * FROM ({union}) ORDER BY {quote('id')}",
                            [hist_bases[hist._meta.db_table]] * len(aliases),
                        )
                    for _name, sql in indexes:
                        cursor.execute(sql)
            finally:
                for alias in aliases:
                    cursor.execute(f"DETACH DATABASE {alias}")

    def _tune_connection(self):
        if connection.in_atomic_block:  # e.g. inside a test's transaction: leave the session alone
            return
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB page cache for this run
            elif connection.vendor == "postgresql":
                # Only this session's commits stop waiting for the WAL flush; no risk of corruption.
                cursor.execute("SET synchronous_commit TO OFF")

    # ---------------------------------------------------------------- writing
    def _flush(self, chunk: _Chunk):
        kw = {
            "batch_size": self.batch_size,
            "default_user": self.user,
            "default_change_reason": CHANGE_REASON,
            "default_date": self.now,
        }
        for res in chunk.residents:
            if not res.resident_key:
                res.resident_key = f"D{self._key_next:010d}"
                self._key_next += 1
        # Residents who moved within the city: the history row of creation holds the address before the
        # move (dated at their registration, ``Resident._history_date``), a history row of change dated
        # at the move holds the register's address now.
        address_fields = ("postal_code", "address_town", "address_block", "address_building")
        movers = [(p.res, [getattr(p.res, f) for f in address_fields]) for p in chunk.moves]
        for p in chunk.moves:
            for name, value in zip(address_fields, p.move[1], strict=True):
                setattr(p.res, name, value)
        with transaction.atomic():
            bulk_create_with_history(chunk.residents, Resident, **kw)
            for (res, now_values), p in zip(movers, chunk.moves, strict=True):
                for name, value in zip(address_fields, now_values, strict=True):
                    setattr(res, name, value)
                res._history_date = p.move[0]
            if movers:
                bulk_update_with_history([res for res, _v in movers], Resident, list(address_fields), **kw)
            for card in chunk.cards:
                card.resident_id = card._res.pk
            bulk_create_with_history(chunk.cards, Card, **kw)
            for app in chunk.apps:
                app.resident_id = app._res.pk
                app.card_id = app._card.pk if app._card is not None else None
            bulk_create_with_history(chunk.apps, Application, **kw)
            for cert in chunk.certs:
                cert.card_id = cert._card.pk
                cert.application_id = cert._app.pk if cert._app is not None else None
            bulk_create_with_history(chunk.certs, Certificate, **kw)
            for proxy in chunk.proxies:
                proxy.application_id = proxy._app.pk
            bulk_create_with_history(chunk.proxies, ProxyAuthorization, **kw)
            for doc in chunk.docs:
                doc.application_id = doc._app.pk
            bulk_create_with_history(chunk.docs, IdentityDocument, **kw)
        for key, items in (
            ("residents", chunk.residents),
            ("cards", chunk.cards),
            ("applications", chunk.apps),
            ("certificates", chunk.certs),
            ("proxy_authorizations", chunk.proxies),
            ("identity_documents", chunk.docs),
        ):
            self.stats[key] = self.stats.get(key, 0) + len(items)
