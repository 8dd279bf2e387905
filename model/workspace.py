"""The workspace: one SQLite file holding several systems, their components, links and
canvas positions (later: reviews and findings).

Every mutation is one transaction (BEGIN IMMEDIATE, so two writers queue instead of
interleaving). Each component, link and system row carries a version: a caller that read
version N and writes with `expected_version=N` is refused if someone else wrote in between,
so two processes editing the same workspace never silently lose an update.

Connections are not shared across threads: open one `Workspace` per thread.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml
from archrev.model.bulk import building_many_objects
from archrev.model.errors import StaleWriteError, WorkspaceError
from archrev.model.types import Component, Link, System, SystemModel, consistency_problems
from pydantic import BaseModel

DEFAULT_PATH = "archrev.db"
APPLICATION_ID = 0x41524356  # "ARCV": marks the file as an archrev workspace

_V1 = """
CREATE TABLE archrev_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE systems (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    policy TEXT,
    header TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE components (
    system_id TEXT NOT NULL REFERENCES systems(id) ON DELETE CASCADE ON UPDATE CASCADE,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (system_id, id)
);
CREATE TABLE links (
    system_id TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (system_id, source, target),
    FOREIGN KEY (system_id, source) REFERENCES components(system_id, id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (system_id, target) REFERENCES components(system_id, id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    CHECK (source <> target)
);
CREATE INDEX links_by_target ON links(system_id, target);
-- Positions live apart from components so that moving a box never conflicts with an edit
-- of its fields made elsewhere.
CREATE TABLE positions (
    system_id TEXT NOT NULL,
    component_id TEXT NOT NULL,
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    PRIMARY KEY (system_id, component_id),
    FOREIGN KEY (system_id, component_id) REFERENCES components(system_id, id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
"""

# Import reports (issue 6): what each import created and from where, what it could not
# resolve, and what the source said (`imported`, a model as JSON with only the fields the
# source set) so that the next import can tell the architect's edits from the source's.
_V2_IMPORT_REPORTS = """
CREATE TABLE import_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    system_id TEXT NOT NULL REFERENCES systems(id) ON DELETE CASCADE ON UPDATE CASCADE,
    at TEXT NOT NULL,
    format TEXT NOT NULL,
    sources TEXT NOT NULL,
    report TEXT NOT NULL,
    imported TEXT NOT NULL
);
CREATE INDEX import_reports_by_system ON import_reports(system_id, id);
"""

_V3_REVIEWS = """
CREATE TABLE reviews (
    system_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    started TEXT NOT NULL,
    closed TEXT,
    reviewers TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    checklist TEXT,
    snapshot TEXT,
    PRIMARY KEY (system_id, number),
    UNIQUE (system_id, title)
);
CREATE TABLE triage (
    system_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'in_progress',
        'accepted_risk', 'mitigated', 'false_positive')),
    owner TEXT NOT NULL DEFAULT '',
    due TEXT,
    note TEXT NOT NULL DEFAULT '',
    justification TEXT NOT NULL DEFAULT '',
    expiry TEXT,
    rule_id TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL,
    review_number INTEGER,
    PRIMARY KEY (system_id, fingerprint)
);
CREATE TABLE checklist_answers (
    system_id TEXT NOT NULL,
    review_number INTEGER NOT NULL,
    code TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'n/a')),
    note TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL,
    PRIMARY KEY (system_id, review_number, code),
    FOREIGN KEY (system_id, review_number) REFERENCES reviews(system_id, number)
        ON DELETE CASCADE
)
"""
# Reviews and triage deliberately have no foreign key to `systems`: re-importing an
# improved model (`archrev import --replace`) deletes and re-inserts the system row, and
# that must not cascade away a system's review history.

# A closed review never changes (issue 5). `archrev.model.reviews` refuses with a friendly
# message first; these triggers make the database itself refuse, so that a script, a second
# process writing SQL directly or a future code path cannot change a milestone either.
# Frozen are the closed review's row (its snapshot of the model, the findings with their
# triage and the answers lives in `reviews.snapshot`) and its `checklist_answers` rows.
# `triage` is deliberately not frozen: it is keyed by fingerprint per system and carries
# over to the next review; only the closed review's own copy in its snapshot is frozen.
# The INSERT triggers also see `INSERT OR REPLACE` (and the UPDATE trigger `UPDATE OR
# REPLACE`) aimed at a closed review's key, whose implicit delete fires no DELETE trigger.
# RAISE takes only a literal message on the SQLite versions archrev supports, so the
# messages cannot name the review; each starts with CLOSED_REVIEW_REFUSAL so that
# `Workspace.transaction` can turn it into a WorkspaceError.
_V4_FROZEN_REVIEWS = """
CREATE TRIGGER reviews_closed_no_update BEFORE UPDATE ON reviews
WHEN OLD.status = 'closed' OR EXISTS (
    SELECT 1 FROM reviews r WHERE r.status = 'closed' AND r.system_id = NEW.system_id
        AND (r.number = NEW.number OR r.title = NEW.title))
BEGIN
    SELECT RAISE(ABORT, 'archrev: closed review: its record and snapshot never change');
END;
CREATE TRIGGER reviews_closed_no_delete BEFORE DELETE ON reviews
WHEN OLD.status = 'closed'
BEGIN
    SELECT RAISE(ABORT, 'archrev: closed review: it cannot be deleted');
END;
CREATE TRIGGER reviews_closed_no_insert BEFORE INSERT ON reviews
WHEN NEW.status = 'closed' OR EXISTS (
    SELECT 1 FROM reviews r WHERE r.status = 'closed' AND r.system_id = NEW.system_id
        AND (r.number = NEW.number OR r.title = NEW.title))
BEGIN
    SELECT RAISE(ABORT, 'archrev: closed review: it is never replaced or added closed');
END;
CREATE TRIGGER answers_closed_no_insert BEFORE INSERT ON checklist_answers
WHEN EXISTS (
    SELECT 1 FROM reviews r WHERE r.status = 'closed' AND r.system_id = NEW.system_id
        AND r.number = NEW.review_number)
BEGIN
    SELECT RAISE(ABORT, 'archrev: closed review: its checklist answers never change');
END;
CREATE TRIGGER answers_closed_no_update BEFORE UPDATE ON checklist_answers
WHEN EXISTS (
    SELECT 1 FROM reviews r WHERE r.status = 'closed'
        AND ((r.system_id = OLD.system_id AND r.number = OLD.review_number)
            OR (r.system_id = NEW.system_id AND r.number = NEW.review_number)))
BEGIN
    SELECT RAISE(ABORT, 'archrev: closed review: its checklist answers never change');
END;
CREATE TRIGGER answers_closed_no_delete BEFORE DELETE ON checklist_answers
WHEN EXISTS (
    SELECT 1 FROM reviews r WHERE r.status = 'closed' AND r.system_id = OLD.system_id
        AND r.number = OLD.review_number)
BEGIN
    SELECT RAISE(ABORT, 'archrev: closed review: its checklist answers never change');
END
"""
CLOSED_REVIEW_REFUSAL = "archrev: closed review: "

# MIGRATIONS[i] takes a workspace from user_version i to i + 1. Append, never edit.
MIGRATIONS: list[str] = [_V1, _V2_IMPORT_REPORTS, _V3_REVIEWS, _V4_FROZEN_REVIEWS]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class SystemSummary:
    id: str
    name: str
    components: int
    links: int


@dataclass
class Versions:
    """The row versions a caller read, to hand back as `expected_version` on writes."""

    system: int = 0
    components: dict[str, int] = field(default_factory=dict)
    links: dict[tuple[str, str], int] = field(default_factory=dict)


def default_path() -> Path:
    return Path(os.environ.get("ARCHREV_DB") or DEFAULT_PATH)


def _dump(obj: Component | Link | System, skip: set[str]) -> str:
    return json.dumps(
        obj.model_dump(mode="json", exclude_defaults=True, exclude=skip),
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _component_data(comp: Component) -> str:
    return _dump(comp, {"id"})


def _link_data(link: Link) -> str:
    return _dump(link, {"source", "target"})


class Workspace:
    """An open workspace file. Use as a context manager or call `close()`."""

    def __init__(self, path: str | Path, *, create: bool = True, readonly: bool = False) -> None:
        """Open (or create) the workspace at `path`.

        `readonly=True` is for commands that only read: the file is opened with SQLite's
        `mode=ro`, nothing is migrated or switched to WAL, so a workspace on a read-only
        file or filesystem still works, and any write is refused with a "read-only" error.
        """
        self.path = Path(path)
        self.readonly = readonly
        if not self.path.exists():
            if not create or readonly:
                raise WorkspaceError(
                    f"{self.path}: no workspace here; create one with "
                    f"`archrev import MODEL.yaml --db {self.path}`"
                )
            if not self.path.parent.exists():
                raise WorkspaceError(f"{self.path}: the folder {self.path.parent} does not exist")
        elif self.path.is_dir():
            raise WorkspaceError(f"{self.path}: this is a directory; name a workspace file")
        try:
            conn = self._connect_readonly() if readonly else self._connect(self.path)
        except sqlite3.Error as exc:
            raise WorkspaceError(f"{self.path}: cannot open the workspace: {exc}") from None
        self.conn = conn
        try:
            self._check_and_migrate()
        except BaseException:
            self.conn.close()  # the one open now: reading an older file reopens it
            raise
        self.db = sqlite_utils.Database(self.conn)

    # -- opening -----------------------------------------------------------------------

    @staticmethod
    def _connect(target: str | Path, *, uri: bool = False) -> sqlite3.Connection:
        return sqlite3.connect(target, isolation_level=None, timeout=10.0, uri=uri)

    def _connect_readonly(self) -> sqlite3.Connection:
        # as_uri() percent-encodes the path, so '?', '#' and '%' in a name stay part of it.
        uri = self.path.resolve().as_uri()
        conn = self._connect(f"{uri}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA user_version").fetchone()
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_CANTOPEN":
                raise
        # A WAL workspace needs its -shm file even to read. On a read-only folder that file
        # cannot be created once the last writer has removed it; then, with no pending log
        # either, the main file holds every committed change and is safe to read as
        # immutable (nothing can write to a folder that does not even take the -shm).
        wal = Path(f"{self.path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise WorkspaceError(
                f"{self.path}: read-only: the workspace has changes still in its write-ahead "
                f"log ({wal.name}) and its folder is not writable, so they cannot be read; "
                "open it once where the folder is writable, or copy the file and its "
                f"{wal.name} somewhere writable"
            )
        return self._connect(f"{uri}?immutable=1", uri=True)

    def _writable(self) -> bool:
        """Whether SQLite can write here: the file and (for its journal) its folder."""
        return os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)

    def _read_only_error(self) -> WorkspaceError:
        if self.readonly:
            why = "this command opened the workspace for reading only"
        else:
            why = "the workspace file or its folder is not writable"
        return WorkspaceError(
            f"{self.path}: read-only: {why}, so nothing was changed; make the file and its "
            "folder writable (or work on a copy) to change it. Commands that only read "
            "(systems, export, check --db, capacity, blast, review list/show/export) still work"
        )

    def _check_and_migrate(self) -> None:
        """Refuse a foreign or newer file before writing anything to it."""
        conn = self.conn
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":
                raise WorkspaceError(
                    f"{self.path}: this file is not an archrev workspace (not an SQLite "
                    "database); name another file with --db"
                ) from None
            if not self._writable():
                # A WAL workspace cannot even be read without creating its -shm file, so
                # on a read-only folder a normal open fails here: say so, not "corrupt".
                raise self._read_only_error() from None
            raise WorkspaceError(f"{self.path}: cannot read the workspace: {exc}") from None
        if tables and app_id != APPLICATION_ID:
            raise WorkspaceError(
                f"{self.path}: this SQLite database is not an archrev workspace; "
                "it was left untouched. Name another file with --db"
            )
        if version > SCHEMA_VERSION:
            raise WorkspaceError(
                f"{self.path}: this workspace was written by a newer archrev "
                f"(schema {version}, this archrev knows {SCHEMA_VERSION}); upgrade archrev. "
                "The file was left untouched"
            )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        if self.readonly:
            if version < SCHEMA_VERSION:
                self._upgrade_for_reading(version, bool(tables))
            return
        if version < SCHEMA_VERSION:
            try:
                self._migrate()
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
                    raise self._read_only_error() from None
                raise
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")

    def _migrate(self) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the lock.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in MIGRATIONS[version:]:
                for statement in _statements(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute(
                "INSERT OR REPLACE INTO archrev_meta VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _upgrade_for_reading(self, version: int, has_tables: bool) -> None:
        """An older workspace opened to read: upgrade it when the file allows, else explain."""
        if not self._writable():
            if not has_tables:
                raise WorkspaceError(
                    f"{self.path}: read-only: this file is empty, not an archrev workspace yet, "
                    "and it is not writable; name another file with --db"
                )
            raise WorkspaceError(
                f"{self.path}: read-only: this workspace was written by an older archrev "
                f"(schema {version}; this archrev reads schema {SCHEMA_VERSION}) and upgrading "
                "it needs write access; make the file and its folder writable (or copy it "
                "somewhere writable) and run the command again"
            )
        # The file is writable: upgrade it with a short-lived writing connection (as any
        # other command would have), then read through a read-only one as asked.
        self.conn.close()
        Workspace(self.path, create=False).close()
        self.conn = self._connect_readonly()
        self._check_and_migrate()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing write; nested calls join the outer transaction."""
        if self.readonly:
            raise self._read_only_error()
        if self.conn.in_transaction:
            yield self.conn
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException as exc:
                self.conn.execute("ROLLBACK")
                if _closed_review_refusal(exc):
                    raise self._closed_review_error(exc) from None
                raise
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            # The file was opened for writing but is not writable (permissions changed,
            # a read-only mount): say that, rather than a bare SQLite error.
            if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
                raise self._read_only_error() from None
            raise

    def _closed_review_error(self, exc: BaseException) -> WorkspaceError:
        # The review store refuses first, naming the review; reaching here means a write
        # got past it (a race or a new code path) and the database's own guard stopped it.
        why = str(exc).removeprefix(CLOSED_REVIEW_REFUSAL)
        return WorkspaceError(
            f"{self.path}: refused: the change touches a closed review ({why}); a closed "
            "review never changes, so nothing was written. Start a new review with "
            "`archrev review start`"
        )

    # -- reading -----------------------------------------------------------------------

    def systems(self) -> list[SystemSummary]:
        rows = self.conn.execute(
            """SELECT s.id, s.data,
                      (SELECT count(*) FROM components c WHERE c.system_id = s.id),
                      (SELECT count(*) FROM links l WHERE l.system_id = s.id)
               FROM systems s ORDER BY s.seq, s.id"""
        ).fetchall()
        return [
            SystemSummary(sid, json.loads(data).get("name") or sid, ncomp, nlink)
            for sid, data, ncomp, nlink in rows
        ]

    def resolve_system(self, system_id: str | None) -> str:
        """The system meant: the one named, or the only one when none is named."""
        ids = [s.id for s in self.systems()]
        if system_id is None:
            if len(ids) == 1:
                return ids[0]
            if not ids:
                raise WorkspaceError(
                    f"{self.path}: the workspace holds no system yet; "
                    f"add one with `archrev import MODEL.yaml --db {self.path}`"
                )
            raise WorkspaceError(
                f"{self.path}: the workspace holds {len(ids)} systems ({', '.join(ids)}); "
                "choose one with --system"
            )
        if system_id not in ids:
            known = ", ".join(ids) or "none"
            raise WorkspaceError(f"{self.path}: no system '{system_id}' (systems: {known})")
        return system_id

    def has_system(self, system_id: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM systems WHERE id = ?", (system_id,)).fetchone()
        return row is not None

    def load(self, system_id: str) -> SystemModel:
        return self.load_with_versions(system_id)[0]

    def load_with_versions(self, system_id: str) -> tuple[SystemModel, Versions]:
        """The system as a model, and the versions to pass back with edits. One read snapshot."""
        with building_many_objects():
            return self._load_with_versions(system_id)

    def _load_with_versions(self, system_id: str) -> tuple[SystemModel, Versions]:
        conn = self.conn
        own_txn = not conn.in_transaction
        if own_txn:
            conn.execute("BEGIN")  # one consistent snapshot across the four reads
        try:
            row = conn.execute(
                "SELECT data, policy, version FROM systems WHERE id = ?", (system_id,)
            ).fetchone()
            if row is None:
                raise WorkspaceError(f"{self.path}: no system '{system_id}'")
            versions = Versions(system=row[2])
            system = System.model_validate({**json.loads(row[0]), "id": system_id})
            policy = _policy_from_text(row[1])
            components = []
            for cid, data, version in conn.execute(
                "SELECT id, data, version FROM components WHERE system_id = ? ORDER BY seq",
                (system_id,),
            ):
                components.append(Component.model_validate({**json.loads(data), "id": cid}))
                versions.components[cid] = version
            links = []
            for source, target, data, version in conn.execute(
                "SELECT source, target, data, version FROM links WHERE system_id = ? ORDER BY seq",
                (system_id,),
            ):
                links.append(
                    Link.model_validate({**json.loads(data), "source": source, "target": target})
                )
                versions.links[(source, target)] = version
            layout = {
                cid: (x, y)
                for cid, x, y in conn.execute(
                    "SELECT component_id, x, y FROM positions WHERE system_id = ?", (system_id,)
                )
            }
        finally:
            if own_txn:
                conn.execute("COMMIT")
        model = SystemModel.model_construct(
            system=system, components=components, links=links, layout=layout, policy=policy
        )
        return model, versions

    def header(self, system_id: str) -> str:
        row = self.conn.execute("SELECT header FROM systems WHERE id = ?", (system_id,)).fetchone()
        return row[0] if row else ""

    # -- whole systems -----------------------------------------------------------------

    def import_model(self, model: SystemModel, *, replace: bool = False, header: str = "") -> None:
        """Store a whole system atomically; an existing one is refused unless `replace`."""
        sid = model.system.id
        problems = consistency_problems(model)
        if problems:  # a model built in code (model_construct) may skip validation
            raise WorkspaceError(
                f"{self.path}: the model of '{sid}' is not consistent: {'; '.join(problems)}"
            )
        with self.transaction() as conn:
            if self.has_system(sid):
                if not replace:
                    raise WorkspaceError(
                        f"{self.path}: the workspace already holds a system '{sid}'; "
                        "use --replace to overwrite it"
                    )
                seq = conn.execute("SELECT seq FROM systems WHERE id = ?", (sid,)).fetchone()[0]
                conn.execute("DELETE FROM systems WHERE id = ?", (sid,))
            else:
                seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM systems").fetchone()[0]
            conn.execute(
                "INSERT INTO systems (id, seq, data, policy, header) VALUES (?, ?, ?, ?, ?)",
                (
                    sid,
                    seq,
                    _dump(model.system, {"id"}),
                    _policy_text(model.policy),
                    header,
                ),
            )
            conn.executemany(
                "INSERT INTO components (system_id, id, seq, data) VALUES (?, ?, ?, ?)",
                ((sid, c.id, i, _component_data(c)) for i, c in enumerate(model.components)),
            )
            try:
                conn.executemany(
                    "INSERT INTO links (system_id, source, target, seq, data) VALUES (?,?,?,?,?)",
                    (
                        (sid, ln.source, ln.target, i, _link_data(ln))
                        for i, ln in enumerate(model.links)
                    ),
                )
                conn.executemany(
                    "INSERT INTO positions VALUES (?, ?, ?, ?)",
                    ((sid, cid, x, y) for cid, (x, y) in model.layout.items()),
                )
            except sqlite3.IntegrityError as exc:
                raise WorkspaceError(
                    f"{self.path}: the model of '{sid}' is not consistent ({exc}); "
                    "validate it with `archrev validate`"
                ) from None

    def update_system(self, system: System, *, expected_version: int | None = None) -> int:
        with self.transaction() as conn:
            current = self._row_version("systems", "id = ?", (system.id,), f"system '{system.id}'")
            if expected_version is not None and current != expected_version:
                row = conn.execute("SELECT data FROM systems WHERE id = ?", (system.id,)).fetchone()
                stored = System.model_validate({**json.loads(row[0]), "id": system.id})
                self._check_version(
                    current, expected_version, f"system '{system.id}' settings", stored, system
                )
            conn.execute(
                "UPDATE systems SET data = ?, version = version + 1 WHERE id = ?",
                (_dump(system, {"id"}), system.id),
            )
            return current + 1

    def set_policy(self, system_id: str, policy: dict[str, Any] | None) -> None:
        with self.transaction() as conn:
            self._row_version("systems", "id = ?", (system_id,), f"system '{system_id}'")
            conn.execute(
                "UPDATE systems SET policy = ?, version = version + 1 WHERE id = ?",
                (_policy_text(policy), system_id),
            )

    def delete_system(self, system_id: str) -> None:
        with self.transaction() as conn:
            self._row_version("systems", "id = ?", (system_id,), f"system '{system_id}'")
            conn.execute("DELETE FROM systems WHERE id = ?", (system_id,))

    # -- components --------------------------------------------------------------------

    def add_component(self, system_id: str, comp: Component) -> int:
        with self.transaction() as conn:
            self._row_version("systems", "id = ?", (system_id,), f"system '{system_id}'")
            if conn.execute(
                "SELECT 1 FROM components WHERE system_id = ? AND id = ?", (system_id, comp.id)
            ).fetchone():
                raise WorkspaceError(
                    f"a component '{comp.id}' already exists in '{system_id}'; choose another id"
                )
            seq = conn.execute(
                "SELECT coalesce(max(seq), -1) + 1 FROM components WHERE system_id = ?",
                (system_id,),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO components (system_id, id, seq, data) VALUES (?, ?, ?, ?)",
                (system_id, comp.id, seq, _component_data(comp)),
            )
            return 1

    def update_component(
        self,
        system_id: str,
        comp: Component,
        *,
        expected_version: int | None = None,
        old_id: str | None = None,
    ) -> int:
        """Replace a component's fields (and its id, when `old_id` names the previous one).

        Links and the position follow a renamed component. Returns the new version.
        """
        key = old_id or comp.id
        with self.transaction() as conn:
            current = self._row_version(
                "components",
                "system_id = ? AND id = ?",
                (system_id, key),
                f"component '{key}'",
            )
            if expected_version is not None and current != expected_version:
                stored = self._component(system_id, key)
                self._check_version(current, expected_version, f"component '{key}'", stored, comp)
            if (
                comp.id != key
                and conn.execute(
                    "SELECT 1 FROM components WHERE system_id = ? AND id = ?", (system_id, comp.id)
                ).fetchone()
            ):
                raise WorkspaceError(
                    f"cannot rename '{key}' to '{comp.id}': that id is already taken"
                )
            conn.execute(
                "UPDATE components SET id = ?, data = ?, version = version + 1 "
                "WHERE system_id = ? AND id = ?",
                (comp.id, _component_data(comp), system_id, key),
            )
            return current + 1

    def delete_component(
        self, system_id: str, comp_id: str, *, expected_version: int | None = None
    ) -> int:
        """Remove a component and its links; returns how many links went with it."""
        with self.transaction() as conn:
            current = self._row_version(
                "components",
                "system_id = ? AND id = ?",
                (system_id, comp_id),
                f"component '{comp_id}'",
            )
            self._check_version(current, expected_version, f"component '{comp_id}'")
            n_links = conn.execute(
                "SELECT count(*) FROM links WHERE system_id = ? AND (source = ? OR target = ?)",
                (system_id, comp_id, comp_id),
            ).fetchone()[0]
            conn.execute(
                "DELETE FROM components WHERE system_id = ? AND id = ?", (system_id, comp_id)
            )
            return n_links

    def links_of(self, system_id: str, comp_id: str) -> list[Link]:
        rows = self.conn.execute(
            "SELECT source, target, data FROM links WHERE system_id = ? "
            "AND (source = ? OR target = ?) ORDER BY seq",
            (system_id, comp_id, comp_id),
        )
        return [
            Link.model_validate({**json.loads(d), "source": s, "target": t}) for s, t, d in rows
        ]

    def _component(self, system_id: str, comp_id: str) -> Component:
        row = self.conn.execute(
            "SELECT data FROM components WHERE system_id = ? AND id = ?", (system_id, comp_id)
        ).fetchone()
        return Component.model_validate({**json.loads(row[0]), "id": comp_id})

    # -- links -------------------------------------------------------------------------

    def add_link(self, system_id: str, link: Link) -> int:
        with self.transaction() as conn:
            self._check_link_ends(system_id, link)
            if conn.execute(
                "SELECT 1 FROM links WHERE system_id = ? AND source = ? AND target = ?",
                (system_id, link.source, link.target),
            ).fetchone():
                raise WorkspaceError(
                    f"'{link.source}' already links to '{link.target}'; edit that link instead"
                )
            seq = conn.execute(
                "SELECT coalesce(max(seq), -1) + 1 FROM links WHERE system_id = ?", (system_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO links (system_id, source, target, seq, data) VALUES (?, ?, ?, ?, ?)",
                (system_id, link.source, link.target, seq, _link_data(link)),
            )
            return 1

    def update_link(
        self, system_id: str, link: Link, *, expected_version: int | None = None
    ) -> int:
        with self.transaction() as conn:
            what = f"link {link.source} -> {link.target}"
            current = self._row_version(
                "links",
                "system_id = ? AND source = ? AND target = ?",
                (system_id, link.source, link.target),
                what,
            )
            if expected_version is not None and current != expected_version:
                row = conn.execute(
                    "SELECT data FROM links WHERE system_id = ? AND source = ? AND target = ?",
                    (system_id, link.source, link.target),
                ).fetchone()
                stored_link = Link.model_validate(
                    {**json.loads(row[0]), "source": link.source, "target": link.target}
                )
                self._check_version(current, expected_version, what, stored_link, link)
            conn.execute(
                "UPDATE links SET data = ?, version = version + 1 "
                "WHERE system_id = ? AND source = ? AND target = ?",
                (_link_data(link), system_id, link.source, link.target),
            )
            return current + 1

    def delete_link(
        self, system_id: str, source: str, target: str, *, expected_version: int | None = None
    ) -> None:
        with self.transaction() as conn:
            what = f"link {source} -> {target}"
            current = self._row_version(
                "links",
                "system_id = ? AND source = ? AND target = ?",
                (system_id, source, target),
                what,
            )
            self._check_version(current, expected_version, what)
            conn.execute(
                "DELETE FROM links WHERE system_id = ? AND source = ? AND target = ?",
                (system_id, source, target),
            )

    def _check_link_ends(self, system_id: str, link: Link) -> None:
        if link.source == link.target:
            raise WorkspaceError(f"'{link.source}' cannot link to itself")
        for end in (link.source, link.target):
            if not self.conn.execute(
                "SELECT 1 FROM components WHERE system_id = ? AND id = ?", (system_id, end)
            ).fetchone():
                raise WorkspaceError(f"no component '{end}' in system '{system_id}'")

    # -- positions ---------------------------------------------------------------------

    def move(self, system_id: str, positions: dict[str, tuple[int, int]]) -> None:
        """Set canvas positions (one box or a whole layout) in one transaction."""
        # A model file only holds positions >= 0: refuse what could not be exported.
        outside = sorted(cid for cid, (x, y) in positions.items() if x < 0 or y < 0)
        if outside:
            raise WorkspaceError(
                f"cannot place {', '.join(outside)}: positions are whole numbers >= 0"
            )
        with self.transaction() as conn:
            try:
                conn.executemany(
                    "INSERT INTO positions VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (system_id, component_id) DO UPDATE SET x = excluded.x, "
                    "y = excluded.y",
                    ((system_id, cid, int(x), int(y)) for cid, (x, y) in positions.items()),
                )
            except sqlite3.IntegrityError:
                missing = [
                    cid
                    for cid in positions
                    if not conn.execute(
                        "SELECT 1 FROM components WHERE system_id = ? AND id = ?", (system_id, cid)
                    ).fetchone()
                ]
                raise WorkspaceError(
                    f"cannot place {', '.join(missing)}: no such component in '{system_id}'"
                ) from None

    def clear_positions(self, system_id: str, comp_ids: Sequence[str] | None = None) -> None:
        with self.transaction() as conn:
            if comp_ids is None:
                conn.execute("DELETE FROM positions WHERE system_id = ?", (system_id,))
            else:
                conn.executemany(
                    "DELETE FROM positions WHERE system_id = ? AND component_id = ?",
                    ((system_id, cid) for cid in comp_ids),
                )

    # -- versions ----------------------------------------------------------------------

    def _row_version(self, table: str, where: str, args: tuple[Any, ...], what: str) -> int:
        row = self.conn.execute(f"SELECT version FROM {table} WHERE {where}", args).fetchone()
        if row is None:
            raise WorkspaceError(f"{self.path}: no {what} (was it deleted elsewhere?)")
        return int(row[0])

    @staticmethod
    def _check_version(
        current: int,
        expected: int | None,
        what: str,
        stored: BaseModel | None = None,
        mine: BaseModel | None = None,
    ) -> None:
        if expected is None or current == expected:
            return
        differs = ""
        if stored is not None and mine is not None:
            changed = _changed_fields(stored, mine)
            differs = f"; it now differs from your edit in: {', '.join(changed) or 'nothing'}"
        raise StaleWriteError(
            f"{what} was changed elsewhere since you read it "
            f"(version {current}, you read {expected}){differs}. "
            "Reload it and apply your change again"
        )


def _changed_fields(stored: BaseModel, mine: BaseModel) -> list[str]:
    """The fields in which what is stored differs from an edit, ids left aside."""
    return [
        name
        for name in type(stored).model_fields
        if name not in ("id", "source", "target") and getattr(stored, name) != getattr(mine, name)
    ]


def _policy_text(policy: dict[str, Any] | None) -> str | None:
    """The policy section as YAML: unlike JSON it keeps dates and non-text keys as they are."""
    if policy is None:
        return None
    return yaml.dump(policy, Dumper=_PolicyDumper, sort_keys=False, allow_unicode=True)


def _policy_from_text(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class _PolicyDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _statements(script: str) -> list[str]:
    """Split a migration into its statements, without their closing semicolons.

    A semicolon ends a statement only where SQLite says the text so far is complete, so
    semicolons inside a trigger body (up to its END), a string or a comment do not split.
    Whatever follows the last complete statement is one more statement (the older
    migrations leave out the final semicolon).
    """
    statements: list[str] = []
    pending = ""
    for piece in script.split(";")[:-1]:
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if text := pending[:-1].strip():
                statements.append(text)
            pending = ""
    if text := (pending + script.split(";")[-1]).strip():
        statements.append(text)
    return statements


def _closed_review_refusal(exc: BaseException) -> bool:
    """Whether SQLite refused a write because it touched a closed review (see _V4)."""
    return isinstance(exc, sqlite3.IntegrityError) and str(exc).startswith(CLOSED_REVIEW_REFUSAL)


def open_workspace(
    path: str | Path | None = None, *, create: bool = True, readonly: bool = False
) -> Workspace:
    return Workspace(path or default_path(), create=create, readonly=readonly)
