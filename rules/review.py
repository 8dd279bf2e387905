"""The judgement side of a review: findings with their effective triage, the checklist
answered, what was resolved since the previous review, and the milestone frozen on close.

An open review follows the live model (analysed now); a closed review is read back from
its snapshot and never re-analysed, so its report stays what it was on the day it closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from archrev.model.errors import ArchrevError
from archrev.model.modelfile import write_model
from archrev.model.reviews import (
    Answer,
    AnswerValue,
    Review,
    ReviewStore,
    Triage,
    TriageState,
)
from archrev.model.types import SystemModel
from archrev.rules.checklists import Checklist, ItemResult, check_answer, evaluate
from archrev.rules.compare import Comparison, RunwayRow, Side, compare, saturation_order
from archrev.rules.findings import Finding, Severity
from archrev.rules.report_json import finding_from_dict, finding_to_dict

SNAPSHOT_FORMAT = 1
# States in which a finding no longer asks for work in this review.
SETTLED = frozenset({TriageState.ACCEPTED_RISK, TriageState.MITIGATED, TriageState.FALSE_POSITIVE})


@dataclass(frozen=True)
class TriagedFinding:
    finding: Finding
    triage: Triage | None
    state: TriageState
    expired: bool = False  # an accepted risk past its expiry, back to open

    @property
    def fingerprint(self) -> str:
        return self.finding.fingerprint

    def to_dict(self) -> dict[str, Any]:
        return {
            **finding_dict(self.finding),
            "state": self.state.value,
            "expired": self.expired,
            "triage": self.triage.as_dict() if self.triage else None,
        }


@dataclass
class ReviewState:
    """Everything a report or the review screen shows about one review."""

    review: Review
    model: SystemModel
    findings: list[TriagedFinding]
    resolved: list[TriagedFinding]
    checklist: Checklist | None
    items: list[ItemResult]
    runway: list[RunwayRow]
    previous: Review | None
    comparison: Comparison | None
    today: date
    live: bool
    model_yaml: str = ""
    threshold: float = 0.8  # utilization at which a component counts as saturated

    @property
    def system_id(self) -> str:
        return self.review.system_id

    def worst_by_component(self) -> dict[str, Severity]:
        """Worst severity per component among findings not dismissed as false positives."""
        worst: dict[str, Severity] = {}
        for tf in self.findings:
            if tf.state is TriageState.FALSE_POSITIVE:
                continue
            for cid in tf.finding.components:
                if cid not in worst or tf.finding.severity.rank > worst[cid].rank:
                    worst[cid] = tf.finding.severity
        return worst

    def counts_by_state(self) -> dict[str, int]:
        counts = {s.value: 0 for s in TriageState}
        for tf in self.findings:
            counts[tf.state.value] += 1
        return counts

    def counts_by_severity(self) -> dict[str, int]:
        counts = {s.value: 0 for s in sorted(Severity, key=lambda s: -s.rank)}
        for tf in self.findings:
            counts[tf.finding.severity.value] += 1
        return counts


# Findings are serialised by the rule engine's own JSON writer, so that a review's JSON
# and snapshots carry exactly what `archrev check --format json` does.
finding_dict = finding_to_dict


# -- triage -------------------------------------------------------------------------------


def effective_state(triage: Triage | None, today: date) -> tuple[TriageState, bool]:
    """The state that counts today, and whether an accepted risk has expired.

    An accepted risk is a decision with a date on it: once the date passes, the finding is
    open again until someone decides anew.
    """
    if triage is None:
        return TriageState.OPEN, False
    if triage.state is TriageState.ACCEPTED_RISK and (
        triage.expiry is None or triage.expiry < today
    ):
        return TriageState.OPEN, True
    return triage.state, False


def triage_findings(
    findings: Iterable[Finding], triage: dict[str, Triage], today: date
) -> list[TriagedFinding]:
    out = []
    for f in findings:
        record = triage.get(f.fingerprint)
        state, expired = effective_state(record, today)
        out.append(TriagedFinding(f, record, state, expired))
    return out


def runway_rows(model: SystemModel, facts: Any) -> list[RunwayRow]:
    """Each component whose utilization can be forecast, closest to saturation first."""
    rows = []
    for comp in model.components:
        utilization = facts.utilization(comp.id)
        if utilization is None:
            continue
        rows.append(
            RunwayRow(
                comp.id,
                comp.display_name,
                facts.load.get(comp.id),
                facts.capacity.get(comp.id),
                tuple(float(u) for u in utilization),
                facts.runway(comp.id),
            )
        )
    return sorted(rows, key=saturation_order)


# -- assembling a review ------------------------------------------------------------------


@dataclass(frozen=True)
class Analysed:
    """A model with its findings and runway: one side of a review."""

    model: SystemModel
    findings: list[Finding]
    runway: list[RunwayRow]
    threshold: float = 0.8


def policy_for(model: SystemModel, extra: Any = None) -> Any:
    """The model's own `policy:` section, with a policy file given on top of it."""
    from archrev.rules.policy import policy_from_model

    own = policy_from_model(model)
    if own is None:
        return extra
    return own if extra is None else own.merged(extra)


def known_rule_ids(policy: Any = None) -> set[str]:
    """Rule ids a checklist item may name: the catalogue, plugins and the policy's own."""
    from archrev.rules.engine import active_rules

    return {rule.id for rule in active_rules(policy)}


def analyse(model: SystemModel, policy: Any = None, today: date | None = None) -> Analysed:
    """Findings and runway of `model`; `policy` is a policy file given on top of the
    model's own `policy:` section."""
    from archrev.rules.engine import analyze

    analysis = analyze(model, policy_for(model, policy), today=today)
    threshold = getattr(analysis.facts, "runway_threshold", 0.8)
    return Analysed(
        model, list(analysis.findings), runway_rows(model, analysis.facts), float(threshold)
    )


def snapshot_side(review: Review) -> Analysed:
    snap = _snapshot(review)
    model = SystemModel.model_validate(snap["model"])
    findings = [finding_from_dict(d) for d in snap["findings"]]
    rows = [RunwayRow.from_dict(r) for r in snap.get("runway", [])]
    return Analysed(model, findings, rows, float(snap.get("runway_threshold", 0.8)))


def _snapshot(review: Review) -> dict[str, Any]:
    snap = review.snapshot
    if not review.is_closed or not snap:
        raise ArchrevError(f"review {review.label} is open: it has no milestone yet")
    if snap.get("snapshot") != SNAPSHOT_FORMAT:
        raise ArchrevError(
            f"review {review.label} was closed by a newer archrev (snapshot format "
            f"{snap.get('snapshot')}); upgrade archrev to read it"
        )
    return snap


def review_state(
    store: ReviewStore,
    review: Review,
    *,
    today: date | None = None,
    policy: Any = None,
    live: Analysed | None = None,
) -> ReviewState:
    """The review as a report shows it: frozen when closed, live when open."""
    day = today or date.today()
    previous = store.previous(review)
    prev_side = snapshot_side(previous) if previous is not None else None
    if review.is_closed:
        snap = _snapshot(review)
        side = snapshot_side(review)
        findings = [
            TriagedFinding(
                finding_from_dict(d),
                _triage_from_dict(d["fingerprint"], d.get("triage")),
                TriageState(d["state"]),
                bool(d.get("expired")),
            )
            for d in snap["findings"]
        ]
        resolved = [
            TriagedFinding(
                finding_from_dict(d),
                _triage_from_dict(d["fingerprint"], d.get("triage")),
                TriageState(d.get("state", "open")),
            )
            for d in snap.get("resolved", [])
        ]
        checklist = Checklist.from_dict(snap["checklist"]) if snap.get("checklist") else None
        answers = {
            code: Answer(code, AnswerValue(a["answer"]), a.get("note", ""), a.get("updated", ""))
            for code, a in snap.get("answers", {}).items()
        }
        items = (
            evaluate(checklist, side.findings, answers, _dismissed(findings)) if checklist else []
        )
        model_yaml = snap.get("model_yaml", "")
        day = date.fromisoformat(snap.get("taken", day.isoformat()))
        is_live = False
    else:
        model = store.ws.load(review.system_id)
        side = live if live is not None else analyse(model, policy, day)
        triage = store.triage(review.system_id)
        findings = triage_findings(side.findings, triage, day)
        current = {f.fingerprint for f in side.findings}
        resolved = []
        if prev_side is not None:
            resolved = [
                TriagedFinding(f, triage.get(f.fingerprint), TriageState.MITIGATED)
                for f in prev_side.findings
                if f.fingerprint not in current
            ]
        checklist = Checklist.from_dict(review.checklist) if review.checklist else None
        items = (
            evaluate(checklist, side.findings, store.answers(review), _dismissed(findings))
            if checklist
            else []
        )
        model_yaml = ""
        is_live = True
    comparison = None
    if previous is not None and prev_side is not None:
        comparison = compare(
            Side(previous.label, prev_side.model, prev_side.findings, prev_side.runway),
            Side(review.label, side.model, side.findings, side.runway),
        )
    return ReviewState(
        review=review,
        model=side.model,
        findings=findings,
        resolved=resolved,
        checklist=checklist,
        items=items,
        runway=list(side.runway),
        previous=previous,
        comparison=comparison,
        today=day,
        live=is_live,
        model_yaml=model_yaml,
        threshold=side.threshold,
    )


def _dismissed(findings: Sequence[TriagedFinding]) -> set[str]:
    return {tf.fingerprint for tf in findings if tf.state is TriageState.FALSE_POSITIVE}


def _triage_from_dict(fingerprint: str, data: dict[str, Any] | None) -> Triage | None:
    if not data:
        return None
    return Triage(
        fingerprint,
        TriageState(data["state"]),
        data.get("owner", ""),
        date.fromisoformat(data["due"]) if data.get("due") else None,
        data.get("note", ""),
        data.get("justification", ""),
        date.fromisoformat(data["expiry"]) if data.get("expiry") else None,
        "",
        data.get("updated", ""),
        data.get("review"),
    )


def milestone(state: ReviewState) -> dict[str, Any]:
    """The frozen record written when a review closes."""
    return {
        "snapshot": SNAPSHOT_FORMAT,
        "taken": state.today.isoformat(),
        "model": state.model.model_dump(mode="json"),
        "model_yaml": write_model(state.model),
        "findings": [tf.to_dict() for tf in state.findings],
        "resolved": [tf.to_dict() for tf in state.resolved],
        "checklist": state.checklist.to_dict() if state.checklist else None,
        "answers": {r.item.code: r.answer.as_dict() for r in state.items if r.answer is not None},
        "runway": [r.to_dict() for r in state.runway],
        "runway_threshold": state.threshold,
        "previous": state.previous.number if state.previous else None,
    }


def close_review(
    store: ReviewStore, review: Review, *, today: date | None = None, policy: Any = None
) -> Review:
    """Analyse the live model once more and freeze the result with the review."""
    if review.is_closed:
        store.writable(review)  # refused with the message for closed reviews
    state = review_state(store, review, today=today, policy=policy)
    return store.close(review, milestone(state), today=today)


# -- edits in an open review --------------------------------------------------------------


def find_finding(findings: Sequence[Finding], ref: str) -> Finding:
    """A finding by its fingerprint or a unique prefix of it (at least 4 characters)."""
    ref = ref.strip()
    exact = [f for f in findings if f.fingerprint == ref]
    if exact:
        return exact[0]
    if len(ref) < 4:
        raise ArchrevError(f"'{ref}': give at least 4 characters of the finding's fingerprint")
    hits = [f for f in findings if f.fingerprint.startswith(ref)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise ArchrevError(
            f"no current finding has a fingerprint starting with '{ref}'; "
            "list them with `archrev review show R`"
        )
    raise ArchrevError(
        f"'{ref}' matches {len(hits)} findings ({', '.join(f.fingerprint for f in hits[:5])}); "
        "give more characters"
    )


def set_triage(
    store: ReviewStore,
    review: Review,
    ref: str,
    state: TriageState,
    *,
    owner: str | None = None,
    due: date | None = None,
    note: str | None = None,
    justification: str = "",
    expiry: date | None = None,
    today: date | None = None,
    live: Analysed | None = None,
    policy: Any = None,
) -> tuple[Finding, Triage]:
    """Triage one finding of the live model; omitted owner/note keep their earlier value."""
    day = today or date.today()
    current = store.review(review.system_id, review.number)
    if current.is_closed:
        store.writable(current)  # refused with the message for closed reviews
    side = live if live is not None else analyse(store.ws.load(review.system_id), policy, day)
    finding = find_finding(side.findings, ref)
    before = store.triage(review.system_id).get(finding.fingerprint)
    record = Triage(
        finding.fingerprint,
        state,
        owner=owner if owner is not None else (before.owner if before else ""),
        due=due if due is not None else (before.due if before else None),
        note=note if note is not None else (before.note if before else ""),
        justification=justification,
        expiry=expiry,
        rule_id=finding.rule_id,
    )
    return finding, store.set_triage(current, record, today=day)


def answer_item(
    store: ReviewStore,
    review: Review,
    code: str,
    value: AnswerValue,
    note: str = "",
    *,
    today: date | None = None,
    live: Analysed | None = None,
    policy: Any = None,
) -> Answer:
    current = store.review(review.system_id, review.number)
    if current.is_closed:
        store.writable(current)  # refused with the message for closed reviews
    if not current.checklist:
        raise ArchrevError(f"review {current.label} has no checklist")
    checklist = Checklist.from_dict(current.checklist)
    item = checklist.item(code)
    if item.rules:
        day = today or date.today()
        side = live if live is not None else analyse(store.ws.load(review.system_id), policy, day)
        triaged = triage_findings(side.findings, store.triage(review.system_id), day)
        results = evaluate(checklist, side.findings, {}, _dismissed(triaged))
        auto_result = next(r.auto for r in results if r.item.code == code)
    else:
        auto_result = None
    check_answer(checklist, code, value, note, auto_result)
    return store.answer(current, code, value, note)
