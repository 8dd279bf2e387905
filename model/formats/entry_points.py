"""Make the entry points an importer found visible to the analysis.

Compose files, manifests and catalogs say where requests enter (a published port, a
LoadBalancer or NodePort Service, an Ingress, a website) but not who sends them. The rules
start their walks from clients, so an import adds one client, "users", in front of every
entry point that no client of the source already calls. The report says so, and the
component is an ordinary one the architect may rename, describe or delete.
"""

from __future__ import annotations

from archrev.model.formats import ImportNote, ImportResult
from archrev.model.types import Component, Kind, Link, SystemModel

ENTRY_TAG = "entry-point"
USERS_ID = "users"


def add_users_in_front(result: ImportResult) -> None:
    model = result.model
    kinds = {c.id: c.kind for c in model.components}
    called_by_client = {ln.target for ln in model.links if kinds.get(ln.source) == Kind.CLIENT}
    entries = [
        c
        for c in model.components
        if ENTRY_TAG in c.tags and c.kind != Kind.CLIENT and c.id not in called_by_client
    ]
    if not entries:
        return
    users_id, n = USERS_ID, 2
    while users_id in kinds:
        users_id, n = f"{USERS_ID}-{n}", n + 1
    users = Component(id=users_id, name="Users", kind=Kind.CLIENT, tags=["added-by-import"])
    links = [Link(source=users_id, target=c.id, description="requests enter here") for c in entries]
    result.model = SystemModel(
        system=model.system,
        components=[users, *model.components],
        links=[*links, *model.links],
        layout=model.layout,
        policy=model.policy,
    )
    first = result.components[entries[0].id]
    result.components = {users_id: first, **result.components}
    for link in links:
        result.links[link.key] = result.components[link.target]
    result.notes.append(
        ImportNote(
            "info",
            f"added the client '{users_id}' in front of {len(entries)} entry point(s) "
            f"({', '.join(c.id for c in entries)}) so that the analysis sees where requests "
            "enter",
            first,
        )
    )
