"""Bring an imported source into the workspace: create a system, or merge into one.

Re-importing a source must not undo the architect's work. The rule is simple to state:
- a field the importer sets (kind, technology, replicas, autoscaling, tags it derived, ...)
  follows the source; every other field (tier, capacity, latency, notes, owner set by hand,
  positions, triage kept elsewhere) stays as the architect left it;
- a tag the previous import put there and the source no longer gives is dropped; tags the
  architect added stay;
- a component that disappeared from the source is kept (and reported) unless `prune`;
- a link the previous import made and the source no longer gives is removed; a link the
  architect drew by hand stays.

To tell the architect's edits from the source's, every import keeps what the source said
(the "imported" model) in the `import_reports` table next to the printed report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from archrev.model.formats import ImportResult
from archrev.model.types import Component, Link, SystemModel
from archrev.model.workspace import Workspace

# Component fields an importer never owns, even if a format happened to set them.
_ARCHITECT_ONLY = frozenset({"id"})


@dataclass
class ImportChanges:
    """What an import did (or, with dry-run, would do) to one system."""

    system_id: str
    new_system: bool = False
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # id -> fields
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # gone from the source, kept without prune
    links_added: list[tuple[str, str]] = field(default_factory=list)
    links_changed: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    links_removed: list[tuple[str, str]] = field(default_factory=list)
    links_kept: list[tuple[str, str]] = field(default_factory=list)  # drawn by hand

    @property
    def unchanged(self) -> bool:
        return not (
            self.added
            or self.changed
            or self.removed
            or self.links_added
            or self.links_changed
            or self.links_removed
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system_id,
            "new_system": self.new_system,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "kept": self.kept,
            "links_added": [list(k) for k in self.links_added],
            "links_changed": {f"{s} -> {t}": v for (s, t), v in self.links_changed.items()},
            "links_removed": [list(k) for k in self.links_removed],
            "links_kept": [list(k) for k in self.links_kept],
        }


@dataclass
class MergePlan:
    model: SystemModel
    changes: ImportChanges
    upserts: list[Component]
    deletes: list[str]
    link_upserts: list[Link]
    link_deletes: list[tuple[str, str]]


def _source_fields(comp: Component) -> set[str]:
    return set(comp.model_fields_set) - _ARCHITECT_ONLY


def _merge_component(
    current: Component, incoming: Component, previous: Component | None
) -> Component:
    data = current.model_dump()
    for name in _source_fields(incoming):
        if name == "tags":
            before = set(previous.tags) if previous is not None else set()
            mine = [t for t in current.tags if t not in before and t not in incoming.tags]
            data["tags"] = [*incoming.tags, *mine]
        else:
            data[name] = getattr(incoming, name)
    return Component.model_validate(data)


def _merge_link(current: Link, incoming: Link) -> Link:
    data = current.model_dump()
    for name in set(incoming.model_fields_set) - {"source", "target"}:
        data[name] = getattr(incoming, name)
    return Link.model_validate(data)


def _differences(a: Any, b: Any) -> list[str]:
    return [name for name in type(a).model_fields if getattr(a, name) != getattr(b, name)]


def plan_merge(
    existing: SystemModel | None,
    incoming: SystemModel,
    previous: PreviousImport | None,
    *,
    prune: bool,
) -> MergePlan:
    """The merged model and the writes that produce it from `existing`."""
    sid = incoming.system.id
    if existing is None:
        changes = ImportChanges(sid, new_system=True)
        changes.added = [c.id for c in incoming.components]
        changes.links_added = [ln.key for ln in incoming.links]
        return MergePlan(incoming, changes, list(incoming.components), [], list(incoming.links), [])
    changes = ImportChanges(sid)
    current = existing.component_map()
    before = previous.model.component_map() if previous is not None else {}
    source_ids = {c.id for c in incoming.components}
    upserts: list[Component] = []
    merged: list[Component] = []
    for comp in incoming.components:
        if comp.id in current:
            new = _merge_component(current[comp.id], comp, before.get(comp.id))
            diff = _differences(current[comp.id], new)
            if diff:
                changes.changed[comp.id] = diff
                upserts.append(new)
            merged.append(new)
        else:
            changes.added.append(comp.id)
            upserts.append(comp)
            merged.append(comp)
    deletes: list[str] = []
    for comp in existing.components:
        if comp.id in source_ids:
            continue
        # Gone from the source: only what an import brought counts as gone; a component the
        # architect added by hand was never in the source.
        from_source = previous.owns(comp.id) if previous is not None else True
        if from_source and prune:
            deletes.append(comp.id)
            changes.removed.append(comp.id)
        else:
            if from_source:
                changes.kept.append(comp.id)
            merged.append(comp)
    alive = {c.id for c in merged}
    current_links = {ln.key: ln for ln in existing.links}
    previous_links = {ln.key for ln in previous.model.links} if previous is not None else set()
    link_upserts: list[Link] = []
    merged_links: list[Link] = []
    incoming_keys = set()
    for link in incoming.links:
        incoming_keys.add(link.key)
        if link.key in current_links:
            new_link = _merge_link(current_links[link.key], link)
            diff = _differences(current_links[link.key], new_link)
            if diff:
                changes.links_changed[link.key] = diff
                link_upserts.append(new_link)
            merged_links.append(new_link)
        else:
            changes.links_added.append(link.key)
            link_upserts.append(link)
            merged_links.append(link)
    link_deletes: list[tuple[str, str]] = []
    for link in existing.links:
        if link.key in incoming_keys:
            continue
        if link.source not in alive or link.target not in alive:
            # Deleted with its component (by the workspace), but it goes all the same: the
            # report lists it, whether the import or the architect drew it.
            changes.links_removed.append(link.key)
            continue
        if link.key in previous_links:
            link_deletes.append(link.key)
            changes.links_removed.append(link.key)
        else:
            changes.links_kept.append(link.key)
            merged_links.append(link)
    layout = {cid: pos for cid, pos in existing.layout.items() if cid in alive}
    model = SystemModel.model_construct(
        system=existing.system,
        components=merged,
        links=merged_links,
        layout=layout,
        policy=existing.policy,
    )
    return MergePlan(model, changes, upserts, deletes, link_upserts, link_deletes)


@dataclass
class PreviousImport:
    """What the last import's source said, and the components it had already lost but kept."""

    model: SystemModel
    kept: frozenset[str]

    def owns(self, component_id: str) -> bool:
        return component_id in self.kept or any(c.id == component_id for c in self.model.components)


def previous_import(ws: Workspace, system_id: str) -> PreviousImport | None:
    row = ws.conn.execute(
        "SELECT imported, report FROM import_reports WHERE system_id = ? ORDER BY id DESC LIMIT 1",
        (system_id,),
    ).fetchone()
    if row is None:
        return None
    kept = json.loads(row[1]).get("changes", {}).get("kept", [])
    return PreviousImport(SystemModel.model_validate_json(row[0]), frozenset(kept))


def _imported_json(model: SystemModel) -> str:
    # exclude_unset keeps the record of which fields the source set, for the next import.
    return model.model_dump_json(exclude_unset=True)


def import_into_workspace(
    ws: Workspace,
    result: ImportResult,
    *,
    sources: list[str],
    prune: bool = False,
    dry_run: bool = False,
    replace: bool = False,
) -> ImportChanges:
    """Create or merge the system in one transaction; with `dry_run` nothing is written."""
    incoming = result.model
    sid = incoming.system.id
    with ws.transaction():
        exists = ws.has_system(sid)
        if replace and exists:
            old = ws.load(sid)
            plan = plan_merge(None, incoming, None, prune=prune)
            plan.changes = replace_changes(old, incoming)
            if not dry_run:
                ws.import_model(incoming, replace=True, header=result.header)
        else:
            existing = ws.load(sid) if exists else None
            previous = previous_import(ws, sid) if exists else None
            plan = plan_merge(existing, incoming, previous, prune=prune)
            if not dry_run:
                _apply(ws, sid, plan, result, exists)
        if not dry_run:
            _record(ws, result, plan.changes, sources)
        return plan.changes


def replace_changes(old: SystemModel, incoming: SystemModel) -> ImportChanges:
    """What `--replace` does to `old`: the system becomes `incoming` exactly, so every
    difference counts, including the fields and links the architect had added."""
    changes = ImportChanges(incoming.system.id)
    before = old.component_map()
    after = incoming.component_map()
    for cid, comp in after.items():
        if cid not in before:
            changes.added.append(cid)
        else:
            diff = _differences(before[cid], comp)
            if diff:
                changes.changed[cid] = diff
    changes.removed = [cid for cid in before if cid not in after]
    old_links = {ln.key: ln for ln in old.links}
    new_links = {ln.key: ln for ln in incoming.links}
    for key, link in new_links.items():
        if key not in old_links:
            changes.links_added.append(key)
        else:
            diff = _differences(old_links[key], link)
            if diff:
                changes.links_changed[key] = diff
    changes.links_removed = [key for key in old_links if key not in new_links]
    return changes


def _apply(ws: Workspace, sid: str, plan: MergePlan, result: ImportResult, exists: bool) -> None:
    if not exists:
        ws.import_model(plan.model, header=result.header)
        return
    for cid in plan.deletes:
        ws.delete_component(sid, cid)
    added = set(plan.changes.added)
    for comp in plan.upserts:
        if comp.id in added:
            ws.add_component(sid, comp)
        else:
            ws.update_component(sid, comp)
    for key in plan.link_deletes:
        ws.delete_link(sid, *key)
    added_links = set(plan.changes.links_added)
    for link in plan.link_upserts:
        if link.key in added_links:
            ws.add_link(sid, link)
        else:
            ws.update_link(sid, link)


def report_document(result: ImportResult, changes: ImportChanges, sources: list[str]) -> dict:
    """The import report as data: what was created and from where, and what was not."""
    return {
        "format": result.format,
        "sources": sources,
        "system": result.model.system.id,
        "components": {cid: str(origin) for cid, origin in result.components.items()},
        "links": {f"{s} -> {t}": str(origin) for (s, t), origin in result.links.items()},
        "notes": [
            {"kind": n.kind, "message": n.message, "origin": str(n.origin)} for n in result.notes
        ],
        "changes": changes.as_dict(),
    }


def _record(
    ws: Workspace, result: ImportResult, changes: ImportChanges, sources: list[str]
) -> None:
    ws.conn.execute(
        "INSERT INTO import_reports (system_id, at, format, sources, report, imported) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            result.model.system.id,
            datetime.now(UTC).isoformat(timespec="seconds"),
            result.format,
            json.dumps(sources),
            json.dumps(report_document(result, changes, sources), ensure_ascii=False),
            _imported_json(result.model),
        ),
    )


def import_reports(ws: Workspace, system_id: str) -> list[dict[str, Any]]:
    """Every stored report of a system, newest first."""
    rows = ws.conn.execute(
        "SELECT id, at, format, report FROM import_reports WHERE system_id = ? ORDER BY id DESC",
        (system_id,),
    ).fetchall()
    return [{"id": i, "at": at, "format": fmt, **json.loads(rep)} for i, at, fmt, rep in rows]
