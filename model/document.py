"""One system open for editing, wherever it is kept: a workspace or a model YAML file.

The app edits through a `SystemDocument` and never cares which store is behind it. Every
edit is checked against the whole model first (ids unique, links between existing
components), then written at once in one transaction: a workspace edit is one SQLite
transaction, a model-file edit rewrites the file atomically (positions in its `layout:`
section, its leading comment header kept). Nothing is held back for a "save": when the
terminal dies, every edit made so far is on disk.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from archrev.model.atomic_file import write_text_atomically
from archrev.model.errors import ArchrevError, StaleWriteError, WorkspaceError
from archrev.model.modelfile import read_model_with_source, write_model
from archrev.model.types import (
    Component,
    Link,
    Position,
    SystemModel,
    consistency_problems,
)
from archrev.model.workspace import Workspace

# What a workspace has to do for one edit; a model file ignores it and rewrites itself.
WorkspaceWrite = Callable[[Workspace, str], object]


class SystemDocument(ABC):
    """The model being edited plus the store it is written to."""

    kind: str = ""

    def __init__(self, model: SystemModel) -> None:
        self.model = model
        self._batch_depth = 0

    @property
    @abstractmethod
    def label(self) -> str:
        """Where the system is kept, for the title bar."""

    @property
    @abstractmethod
    def path(self) -> Path:
        """The file behind the document."""

    @abstractmethod
    def reload(self) -> SystemModel:
        """Read the system again from its store."""

    def close(self) -> None:  # noqa: B027  (a model file holds nothing open)
        """Release the store (the workspace connection); the model stays readable."""

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Several edits written as one: one transaction, or one rewrite of the file.

        On an error every edit of the batch is taken back, in the store and in memory.
        """
        if self._batch_depth:
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1
            return
        before = self.model
        self._batch_depth = 1
        try:
            with self._batch_store():
                yield
        except BaseException:
            self.model = before
            raise
        finally:
            self._batch_depth = 0

    @abstractmethod
    def _batch_store(self) -> AbstractContextManager[None]:
        """The store's side of a batch."""

    # -- reading -------------------------------------------------------------------------

    def component(self, comp_id: str) -> Component:
        return self.model.component(comp_id)

    def has_component(self, comp_id: str) -> bool:
        return any(c.id == comp_id for c in self.model.components)

    def link(self, source: str, target: str) -> Link | None:
        for link in self.model.links:
            if link.source == source and link.target == target:
                return link
        return None

    def links_of(self, comp_id: str) -> list[Link]:
        return [ln for ln in self.model.links if comp_id in (ln.source, ln.target)]

    # -- edits ---------------------------------------------------------------------------

    def add_component(self, comp: Component, position: Position | None = None) -> None:
        if self.has_component(comp.id):
            raise WorkspaceError(f"a component '{comp.id}' already exists; choose another id")
        layout = dict(self.model.layout)
        if position is not None:
            layout[comp.id] = position
        new = self._derive(components=[*self.model.components, comp], layout=layout)

        def write(ws: Workspace, sid: str) -> None:
            ws.add_component(sid, comp)
            if position is not None:
                ws.move(sid, {comp.id: position})

        self._commit(new, write)

    def update_component(self, old_id: str, comp: Component) -> None:
        """Replace a component's fields; a new id carries its links and position along."""
        self._require(old_id)
        if comp.id != old_id and self.has_component(comp.id):
            raise WorkspaceError(f"cannot rename '{old_id}' to '{comp.id}': that id is taken")
        components = [comp if c.id == old_id else c for c in self.model.components]
        links = self.model.links
        layout = self.model.layout
        if comp.id != old_id:
            links = [_renamed(ln, old_id, comp.id) for ln in links]
            layout = {(comp.id if k == old_id else k): v for k, v in layout.items()}
        new = self._derive(components=components, links=links, layout=layout)
        self._commit(new, lambda ws, sid: ws.update_component(sid, comp, old_id=old_id))

    def delete_component(self, comp_id: str) -> int:
        """Remove a component with its links and position; returns how many links went."""
        self._require(comp_id)
        gone = self.links_of(comp_id)
        new = self._derive(
            components=[c for c in self.model.components if c.id != comp_id],
            links=[ln for ln in self.model.links if ln not in gone],
            layout={k: v for k, v in self.model.layout.items() if k != comp_id},
        )
        self._commit(new, lambda ws, sid: ws.delete_component(sid, comp_id))
        return len(gone)

    def restore_component(
        self, comp: Component, links: Iterable[Link], position: Position | None
    ) -> None:
        """Put back a deleted component with its links and position, all in one edit."""
        links = list(links)
        if self.has_component(comp.id):
            raise WorkspaceError(f"a component '{comp.id}' already exists; cannot restore it")
        layout = dict(self.model.layout)
        if position is not None:
            layout[comp.id] = position
        new = self._derive(
            components=[*self.model.components, comp],
            links=[*self.model.links, *links],
            layout=layout,
        )

        def write(ws: Workspace, sid: str) -> None:
            ws.add_component(sid, comp)
            for link in links:
                ws.add_link(sid, link)
            if position is not None:
                ws.move(sid, {comp.id: position})

        self._commit(new, write)

    def add_link(self, link: Link) -> None:
        if self.link(link.source, link.target) is not None:
            raise WorkspaceError(
                f"'{link.source}' already links to '{link.target}'; edit that link instead"
            )
        new = self._derive(links=[*self.model.links, link])
        self._commit(new, lambda ws, sid: ws.add_link(sid, link))

    def update_link(self, link: Link) -> None:
        if self.link(link.source, link.target) is None:
            raise WorkspaceError(f"no link {link.source} -> {link.target} (was it deleted?)")
        links = [link if ln.key == link.key else ln for ln in self.model.links]
        self._commit(self._derive(links=links), lambda ws, sid: ws.update_link(sid, link))

    def delete_link(self, source: str, target: str) -> None:
        if self.link(source, target) is None:
            raise WorkspaceError(f"no link {source} -> {target} (was it deleted?)")
        links = [ln for ln in self.model.links if ln.key != (source, target)]
        self._commit(self._derive(links=links), lambda ws, sid: ws.delete_link(sid, source, target))

    def set_positions(self, positions: dict[str, Position | None]) -> None:
        """Place boxes; None forgets a box's position (the layout places it again)."""
        for comp_id in positions:
            self._require(comp_id)
        layout = dict(self.model.layout)
        placed = {}
        cleared = []
        for comp_id, pos in positions.items():
            if pos is None:
                layout.pop(comp_id, None)
                cleared.append(comp_id)
            else:
                placed[comp_id] = (int(pos[0]), int(pos[1]))
                layout[comp_id] = placed[comp_id]

        def write(ws: Workspace, sid: str) -> None:
            if placed:
                ws.move(sid, placed)
            if cleared:
                ws.clear_positions(sid, cleared)

        self._commit(self._derive(layout=layout), write)

    def replace_layout(self, layout: dict[str, Position]) -> None:
        """Every position at once: a new automatic layout, or the undo of one."""
        for comp_id in layout:
            self._require(comp_id)
        layout = {k: (int(x), int(y)) for k, (x, y) in layout.items()}

        def write(ws: Workspace, sid: str) -> None:
            ws.clear_positions(sid)
            ws.move(sid, layout)

        self._commit(self._derive(layout=layout), write)

    # -- plumbing ------------------------------------------------------------------------

    def _require(self, comp_id: str) -> None:
        if not self.has_component(comp_id):
            raise WorkspaceError(f"no component '{comp_id}' (was it deleted?)")

    def _derive(
        self,
        *,
        components: list[Component] | None = None,
        links: list[Link] | None = None,
        layout: dict[str, Position] | None = None,
    ) -> SystemModel:
        """The model after an edit, refused whole when it is not a consistent graph."""
        model = SystemModel.model_construct(
            system=self.model.system,
            components=list(self.model.components if components is None else components),
            links=list(self.model.links if links is None else links),
            layout=dict(self.model.layout if layout is None else layout),
            policy=self.model.policy,
        )
        problems = consistency_problems(model)
        if problems:
            raise WorkspaceError("; ".join(problems))
        return model

    @abstractmethod
    def _commit(self, new: SystemModel, write: WorkspaceWrite) -> None:
        """Write one edit and adopt `new` as the model, or change nothing."""


class WorkspaceDocument(SystemDocument):
    """A system in a workspace; each edit is one SQLite transaction."""

    kind = "workspace"

    def __init__(self, workspace: Workspace, system_id: str, *, label: str = "") -> None:
        self.workspace = workspace
        self.system_id = system_id
        self._label = label
        super().__init__(workspace.load(system_id))

    @classmethod
    def open(cls, path: str | Path, system_id: str, *, label: str = "") -> WorkspaceDocument:
        """`label` replaces the file name in titles (a temporary demo workspace)."""
        return cls(Workspace(path, create=False), system_id, label=label)

    @property
    def label(self) -> str:
        return f"{self._label or self.workspace.path} · {self.system_id}"

    @property
    def path(self) -> Path:
        return self.workspace.path

    def close(self) -> None:
        self.workspace.close()

    def reload(self) -> SystemModel:
        self.model = self.workspace.load(self.system_id)
        return self.model

    def _commit(self, new: SystemModel, write: WorkspaceWrite) -> None:
        with self.workspace.transaction():
            write(self.workspace, self.system_id)
        self.model = new

    def _batch_store(self) -> AbstractContextManager[None]:
        return self.workspace.transaction()  # type: ignore[return-value]


class ModelFileDocument(SystemDocument):
    """A model YAML file edited in place: each edit rewrites the file atomically."""

    kind = "file"

    def __init__(self, file: str | Path) -> None:
        self.file = Path(file)
        self._disk_digest = self._digest_on_disk()
        model, source = read_model_with_source(self.file)
        self.header = source.header
        super().__init__(model)

    @property
    def label(self) -> str:
        return str(self.file)

    @property
    def path(self) -> Path:
        return self.file

    def reload(self) -> SystemModel:
        digest = self._digest_on_disk()
        model, source = read_model_with_source(self.file)
        self.model, self.header, self._disk_digest = model, source.header, digest
        return model

    def changed_on_disk(self) -> bool:
        """Whether someone else (an editor, `git pull`) wrote the file since we last did."""
        return self._digest_on_disk() != self._disk_digest

    def _digest_on_disk(self) -> str | None:
        """The hash of the file's bytes; None when it is gone."""
        try:
            return hashlib.sha256(self.file.read_bytes()).hexdigest()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ArchrevError(f"{self.file}: cannot read the model file: {exc}") from None

    def _commit(self, new: SystemModel, write: WorkspaceWrite) -> None:
        if not self._batch_depth:
            self._save(new)
        self.model = new

    def _save(self, model: SystemModel) -> None:
        # Rewriting the whole file from memory would silently drop what an editor or a
        # `git pull` put there since we read it: refuse instead, and let the user reload.
        if self.changed_on_disk():
            raise StaleWriteError(
                f"{self.file} changed on disk since it was opened or last saved; this edit "
                "was not saved, and the file was not touched. Reload from disk (ctrl+r) to "
                "pick up the other changes, then redo the edit."
            )
        text = write_model(model, self.header)
        try:
            write_text_atomically(self.file, text)
        except OSError as exc:
            raise ArchrevError(f"{self.file}: cannot write the model file: {exc}") from None
        # The hash of what we wrote, not a re-read: a write by someone else right after
        # ours must still count as theirs.
        self._disk_digest = hashlib.sha256(text.encode("utf-8")).hexdigest()

    @contextmanager
    def _batch_store(self) -> Iterator[None]:
        yield
        self._save(self.model)  # only reached when every edit of the batch worked


def _renamed(link: Link, old: str, new: str) -> Link:
    if old not in (link.source, link.target):
        return link
    return link.model_copy(
        update={
            "source": new if link.source == old else link.source,
            "target": new if link.target == old else link.target,
        }
    )


def is_model_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in (".yaml", ".yml")
