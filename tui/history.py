"""Undo and redo: every edit the app makes is a command object applied through the document.

A command knows how to apply itself and how to revert itself, and it carries everything
that revert needs (the component as it was, the links that went with it, the positions
before a move). Applying and reverting both go through `SystemDocument`, so an undo is
written to the workspace or the model file exactly like the edit it takes back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from archrev.model.document import SystemDocument
from archrev.model.types import Component, Link, Position

# The longest id a description names in full: a status line at 80 columns must still name
# both ends of a link, and the id's start and end are what tell similar ids apart.
ID_ROOM = 20


def short_id(comp_id: str, room: int = ID_ROOM) -> str:
    """`comp_id`, or its start and end around a `…` when it is longer than `room`."""
    if len(comp_id) <= room:
        return comp_id
    tail = (room - 1) // 3
    return f"{comp_id[: room - 1 - tail]}…{comp_id[-tail:]}"


class Command(ABC):
    """One undoable edit."""

    @abstractmethod
    def apply(self, doc: SystemDocument) -> None:
        """Make the edit."""

    @abstractmethod
    def revert(self, doc: SystemDocument) -> None:
        """Take the edit back."""

    @property
    def description(self) -> str:
        return type(self).__name__

    # The component the canvas should select after apply / after revert.
    def focus_after_apply(self) -> str | None:
        return None

    def focus_after_revert(self) -> str | None:
        return None


@dataclass
class AddComponent(Command):
    component: Component
    position: Position | None = None

    def apply(self, doc: SystemDocument) -> None:
        doc.add_component(self.component, self.position)

    def revert(self, doc: SystemDocument) -> None:
        doc.delete_component(self.component.id)

    @property
    def description(self) -> str:
        return f"add {short_id(self.component.id)}"

    def focus_after_apply(self) -> str | None:
        return self.component.id


@dataclass
class UpdateComponent(Command):
    before: Component
    after: Component

    def apply(self, doc: SystemDocument) -> None:
        doc.update_component(self.before.id, self.after)

    def revert(self, doc: SystemDocument) -> None:
        doc.update_component(self.after.id, self.before)

    @property
    def description(self) -> str:
        if self.before.id != self.after.id:
            return f"rename {short_id(self.before.id)} to {short_id(self.after.id)}"
        return f"edit {short_id(self.after.id)}"

    def focus_after_apply(self) -> str | None:
        return self.after.id

    def focus_after_revert(self) -> str | None:
        return self.before.id


@dataclass
class DeleteComponent(Command):
    component: Component
    links: list[Link] = field(default_factory=list)
    position: Position | None = None

    @classmethod
    def of(cls, doc: SystemDocument, comp_id: str) -> DeleteComponent:
        """Capture what a later undo needs before the component is gone."""
        return cls(doc.component(comp_id), doc.links_of(comp_id), doc.model.layout.get(comp_id))

    def apply(self, doc: SystemDocument) -> None:
        doc.delete_component(self.component.id)

    def revert(self, doc: SystemDocument) -> None:
        doc.restore_component(self.component, self.links, self.position)

    @property
    def description(self) -> str:
        n = len(self.links)
        return f"delete {short_id(self.component.id)} and {n} link{'s' if n != 1 else ''}"

    def focus_after_revert(self) -> str | None:
        return self.component.id


@dataclass
class AddLink(Command):
    link: Link

    def apply(self, doc: SystemDocument) -> None:
        doc.add_link(self.link)

    def revert(self, doc: SystemDocument) -> None:
        doc.delete_link(self.link.source, self.link.target)

    @property
    def description(self) -> str:
        return f"connect {short_id(self.link.source)} -> {short_id(self.link.target)}"

    def focus_after_apply(self) -> str | None:
        return self.link.source


@dataclass
class UpdateLink(Command):
    before: Link
    after: Link

    def apply(self, doc: SystemDocument) -> None:
        doc.update_link(self.after)

    def revert(self, doc: SystemDocument) -> None:
        doc.update_link(self.before)

    @property
    def description(self) -> str:
        return f"edit link {short_id(self.after.source)} -> {short_id(self.after.target)}"


@dataclass
class DeleteLink(Command):
    link: Link

    def apply(self, doc: SystemDocument) -> None:
        doc.delete_link(self.link.source, self.link.target)

    def revert(self, doc: SystemDocument) -> None:
        doc.add_link(self.link)

    @property
    def description(self) -> str:
        return f"delete link {short_id(self.link.source)} -> {short_id(self.link.target)}"


@dataclass
class MoveComponents(Command):
    """Boxes placed somewhere else; `before` holds None for a box that had no saved place."""

    before: dict[str, Position | None]
    after: dict[str, Position]
    moved: str | None = None  # the box the user moved (the others were frozen in place)

    def apply(self, doc: SystemDocument) -> None:
        doc.set_positions(dict(self.after))

    def revert(self, doc: SystemDocument) -> None:
        doc.set_positions(dict(self.before))

    @property
    def description(self) -> str:
        if self.moved:
            return f"move {short_id(self.moved)}"
        ids = sorted(self.after)
        shown = ", ".join(short_id(i) for i in ids[:3])
        return f"move {shown}" + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")

    def focus_after_apply(self) -> str | None:
        return self.moved

    def focus_after_revert(self) -> str | None:
        return self.moved


@dataclass
class Relayout(Command):
    before: dict[str, Position]
    after: dict[str, Position]

    def apply(self, doc: SystemDocument) -> None:
        doc.replace_layout(self.after)

    def revert(self, doc: SystemDocument) -> None:
        doc.replace_layout(self.before)

    @property
    def description(self) -> str:
        return "automatic layout"


@dataclass
class EditGroup(Command):
    """Several commands that stand or fall together and undo as one."""

    commands: list[Command]
    label: str = ""

    def apply(self, doc: SystemDocument) -> None:
        with doc.batch():
            for command in self.commands:
                command.apply(doc)

    def revert(self, doc: SystemDocument) -> None:
        with doc.batch():
            for command in reversed(self.commands):
                command.revert(doc)

    @property
    def description(self) -> str:
        return self.label or (self.commands[-1].description if self.commands else "nothing")

    def focus_after_apply(self) -> str | None:
        return self.commands[-1].focus_after_apply() if self.commands else None

    def focus_after_revert(self) -> str | None:
        return self.commands[-1].focus_after_revert() if self.commands else None


class History:
    """The edits made in this session, with a cursor for undo and redo."""

    def __init__(self, doc: SystemDocument, limit: int = 500) -> None:
        self.doc = doc
        self.limit = limit
        self._done: list[Command] = []
        self._undone: list[Command] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def do(self, command: Command) -> Command:
        """Apply a new edit; it clears what could be redone. Raises and records nothing on error."""
        command.apply(self.doc)
        self._done.append(command)
        del self._done[: -self.limit]
        self._undone.clear()
        return command

    def undo(self) -> Command | None:
        if not self._done:
            return None
        command = self._done[-1]
        command.revert(self.doc)  # an error leaves the history as it was
        self._undone.append(self._done.pop())
        return command

    def redo(self) -> Command | None:
        if not self._undone:
            return None
        command = self._undone[-1]
        command.apply(self.doc)
        self._done.append(self._undone.pop())
        return command
