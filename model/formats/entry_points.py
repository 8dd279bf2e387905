"""Make the entry points an importer found visible to the analysis.

Compose files, manifests and catalogs say where requests enter (a published port, a
LoadBalancer or NodePort Service, an Ingress, a website) but not who sends them. The rules
start their walks from clients, so an import adds one client, "users", in front of every
entry point that no client of the source already calls. The report says so, and the
component is an ordinary one the architect may rename, describe or delete.

A load generator (Locust, k6, JMeter, Gatling, ...) is a client too, but its traffic is a
test, not the users': it is tagged `test-traffic`, gets no `peak_rps` (so it adds nothing
to the load model) and does not stand in for the users in front of an entry point.
"""

from __future__ import annotations

from archrev.model.formats import ImportNote, ImportResult
from archrev.model.formats.kinds import is_test_traffic
from archrev.model.types import TEST_TRAFFIC_TAG, Component, Kind, Link, SystemModel

ENTRY_TAG = "entry-point"
USERS_ID = "users"


def _mark_test_traffic(result: ImportResult) -> set[str]:
    """Tag the load generators; their ids."""
    found: set[str] = set()
    components: list[Component] = []
    for comp in result.model.components:
        if is_test_traffic(comp.technology or "", comp.name or comp.id) or is_test_traffic(
            "", comp.id
        ):
            found.add(comp.id)
            tags = comp.tags if TEST_TRAFFIC_TAG in comp.tags else [*comp.tags, TEST_TRAFFIC_TAG]
            # Only the fields the importer set are written back (exclude_unset), so the
            # copy keeps them and adds kind and tags.
            comp = comp.model_copy(update={"kind": Kind.CLIENT, "tags": tags, "peak_rps": None})
            comp.model_fields_set.update({"kind", "tags"})
            comp.model_fields_set.discard("peak_rps")
        components.append(comp)
    if found:
        result.model = SystemModel.model_construct(
            system=result.model.system,
            components=components,
            links=result.model.links,
            layout=result.model.layout,
            policy=result.model.policy,
        )
        first = sorted(found)[0]
        result.notes.append(
            ImportNote(
                "info",
                f"{', '.join(sorted(found))}: guessed to generate test traffic (a load "
                f"generator by its image or name); imported as a client tagged "
                f"'{TEST_TRAFFIC_TAG}' without peak_rps, so it adds no load and does not "
                "count as the users",
                result.components.get(first) or next(iter(result.components.values())),
            )
        )
    return found


def add_users_in_front(result: ImportResult) -> None:
    test_traffic = _mark_test_traffic(result)
    model = result.model
    kinds = {c.id: c.kind for c in model.components}
    called_by_client = {
        ln.target
        for ln in model.links
        if kinds.get(ln.source) == Kind.CLIENT and ln.source not in test_traffic
    }
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
