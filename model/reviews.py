"""Reviews kept in the workspace: the quarterly review of a system, the triage of its
findings and the answers to its checklist.

A review is numbered per system and, while open, follows the live model. Closing it
stores a milestone (a snapshot of the model, the findings with their triage and the
checklist answers, prepared by the rules layer) and freezes it: every later write that
touches a closed review is refused here, in the one place all writers go through.

Triage belongs to the system, keyed by a finding's fingerprint, so a decision taken in
one review carries over to the next. It is edited in the context of an open review.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from archrev.model.errors import WorkspaceError
from archrev.model.workspace import Workspace


class ReviewStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TriageState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    ACCEPTED_RISK = "accepted_risk"
    MITIGATED = "mitigated"
    FALSE_POSITIVE = "false_positive"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class AnswerValue(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class Review:
    system_id: str
    number: int
    title: str
    status: ReviewStatus
    started: date
    closed: date | None = None
    reviewers: tuple[str, ...] = ()
    notes: str = ""
    # The checklist template as it was when the review started (a template edited later
    # must not change what this review asked).
    checklist: dict[str, Any] | None = None
    snapshot: dict[str, Any] | None = None

    @property
    def is_closed(self) -> bool:
        return self.status is ReviewStatus.CLOSED

    @property
    def label(self) -> str:
        return f"#{self.number} {self.title}"


@dataclass(frozen=True)
class Triage:
    fingerprint: str
    state: TriageState = TriageState.OPEN
    owner: str = ""
    due: date | None = None
    note: str = ""
    justification: str = ""
    expiry: date | None = None
    rule_id: str = ""
    updated: str = ""
    review_number: int | None = None  # the review in which it was last changed

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "note": self.note,
            "justification": self.justification,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "updated": self.updated,
            "review": self.review_number,
        }


@dataclass(frozen=True)
class Answer:
    code: str
    value: AnswerValue
    note: str = ""
    updated: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"answer": self.value.value, "note": self.note, "updated": self.updated}


@dataclass
class ReviewChanges:
    """Fields of a review to change; None leaves a field as it is."""

    title: str | None = None
    reviewers: list[str] | None = None
    notes: str | None = None


def quarter_title(day: date) -> str:
    """The calendar quarter a day falls in, e.g. 2026-Q4: the default review title."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _clean_text(value: str, what: str, limit: int = 10_000) -> str:
    if len(value) > limit:
        raise WorkspaceError(f"the {what} is {len(value)} characters long; keep it under {limit}")
    return value


class ReviewStore:
    """Reviews, triage and checklist answers of the systems in one workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.conn = workspace.conn

    # -- reviews -----------------------------------------------------------------------

    def reviews(self, system_id: str) -> list[Review]:
        rows = self.conn.execute(
            "SELECT * FROM reviews WHERE system_id = ? ORDER BY number", (system_id,)
        ).fetchall()
        return [self._review(row) for row in rows]

    def review(self, system_id: str, ref: str | int) -> Review:
        """A review named by its number (`3`, `#3`) or its title (`2026-Q4`)."""
        text = str(ref).strip()
        row = None
        number = text[1:] if text.startswith("#") else text
        if number.isdigit():
            row = self.conn.execute(
                "SELECT * FROM reviews WHERE system_id = ? AND number = ?",
                (system_id, int(number)),
            ).fetchone()
        if row is None:
            row = self.conn.execute(
                "SELECT * FROM reviews WHERE system_id = ? AND title = ?", (system_id, text)
            ).fetchone()
        if row is None:
            known = ", ".join(f"{r.number} ({r.title})" for r in self.reviews(system_id))
            raise WorkspaceError(
                f"{self.ws.path}: system '{system_id}' has no review '{text}' "
                f"(reviews: {known or 'none yet; start one with `archrev review start`'})"
            )
        return self._review(row)

    def open_review(self, system_id: str) -> Review | None:
        row = self.conn.execute(
            "SELECT * FROM reviews WHERE system_id = ? AND status = 'open' "
            "ORDER BY number DESC LIMIT 1",
            (system_id,),
        ).fetchone()
        return self._review(row) if row else None

    def previous(self, review: Review) -> Review | None:
        """The closed review before this one, which it is compared with."""
        row = self.conn.execute(
            "SELECT * FROM reviews WHERE system_id = ? AND number < ? AND status = 'closed' "
            "ORDER BY number DESC LIMIT 1",
            (review.system_id, review.number),
        ).fetchone()
        return self._review(row) if row else None

    def start(
        self,
        system_id: str,
        *,
        title: str | None = None,
        reviewers: Iterable[str] = (),
        notes: str = "",
        checklist: dict[str, Any] | None = None,
        today: date | None = None,
    ) -> Review:
        """Open a new review; refused while another review of the system is still open."""
        day = today or date.today()
        with self.ws.transaction() as conn:
            if not self.ws.has_system(system_id):
                raise WorkspaceError(f"{self.ws.path}: no system '{system_id}'")
            current = self.open_review(system_id)
            if current is not None:
                raise WorkspaceError(
                    f"review {current.label} of '{system_id}' is still open; close it with "
                    f"`archrev review close {current.number}` before starting another"
                )
            if title is not None:
                title = title.strip()
                if not title:
                    raise WorkspaceError("a review title cannot be empty")
                if title.isdigit() or title.startswith("#"):
                    raise WorkspaceError(
                        f"a review title cannot look like a review number ('{title}'); "
                        "add a word, e.g. 'Review {title}'"
                    )
                _clean_text(title, "title", 200)
                if self._title_taken(system_id, title):
                    raise WorkspaceError(
                        f"system '{system_id}' already has a review titled '{title}'; "
                        "choose another with --title"
                    )
            else:
                title = quarter_title(day)
                base, n = title, 2
                while self._title_taken(system_id, title):
                    title, n = f"{base}-{n}", n + 1
            number = conn.execute(
                "SELECT coalesce(max(number), 0) + 1 FROM reviews WHERE system_id = ?",
                (system_id,),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO reviews (system_id, number, title, status, started, reviewers, "
                "notes, checklist) VALUES (?, ?, ?, 'open', ?, ?, ?, ?)",
                (
                    system_id,
                    number,
                    title,
                    day.isoformat(),
                    json.dumps([r.strip() for r in reviewers if r.strip()]),
                    _clean_text(notes, "note"),
                    json.dumps(checklist) if checklist is not None else None,
                ),
            )
        return self.review(system_id, number)

    def update(self, review: Review, changes: ReviewChanges) -> Review:
        with self.ws.transaction() as conn:
            current = self.writable(review)
            title = current.title
            if changes.title is not None and changes.title.strip() != current.title:
                title = changes.title.strip()
                if not title or title.isdigit() or self._title_taken(current.system_id, title):
                    raise WorkspaceError(
                        f"cannot rename review {current.label} to '{title}': "
                        "the title is empty, a number or already used"
                    )
            reviewers = list(current.reviewers) if changes.reviewers is None else changes.reviewers
            notes = current.notes if changes.notes is None else changes.notes
            conn.execute(
                "UPDATE reviews SET title = ?, reviewers = ?, notes = ? "
                "WHERE system_id = ? AND number = ?",
                (
                    title,
                    json.dumps([r.strip() for r in reviewers if r.strip()]),
                    _clean_text(notes, "note"),
                    current.system_id,
                    current.number,
                ),
            )
        return self.review(review.system_id, review.number)

    def close(
        self, review: Review, snapshot: dict[str, Any], *, today: date | None = None
    ) -> Review:
        """Freeze the review with its milestone; from now on the store refuses changes."""
        with self.ws.transaction() as conn:
            current = self.writable(review)
            conn.execute(
                "UPDATE reviews SET status = 'closed', closed = ?, snapshot = ? "
                "WHERE system_id = ? AND number = ? AND status = 'open'",
                (
                    (today or date.today()).isoformat(),
                    json.dumps(snapshot, ensure_ascii=False, default=str),
                    current.system_id,
                    current.number,
                ),
            )
        return self.review(review.system_id, review.number)

    # -- checklist answers -------------------------------------------------------------

    def answers(self, review: Review) -> dict[str, Answer]:
        rows = self.conn.execute(
            "SELECT code, answer, note, updated FROM checklist_answers "
            "WHERE system_id = ? AND review_number = ? ORDER BY code",
            (review.system_id, review.number),
        ).fetchall()
        return {code: Answer(code, AnswerValue(ans), note, upd) for code, ans, note, upd in rows}

    def answer(self, review: Review, code: str, value: AnswerValue, note: str = "") -> Answer:
        """Record (or replace) the answer to one checklist item of an open review."""
        with self.ws.transaction() as conn:
            self.writable(review)
            stamp = _now()
            conn.execute(
                "INSERT INTO checklist_answers VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (system_id, review_number, code) DO UPDATE SET "
                "answer = excluded.answer, note = excluded.note, updated = excluded.updated",
                (
                    review.system_id,
                    review.number,
                    code,
                    value.value,
                    _clean_text(note, "note"),
                    stamp,
                ),
            )
        return Answer(code, value, note, stamp)

    def clear_answer(self, review: Review, code: str) -> None:
        with self.ws.transaction() as conn:
            self.writable(review)
            conn.execute(
                "DELETE FROM checklist_answers WHERE system_id = ? AND review_number = ? "
                "AND code = ?",
                (review.system_id, review.number, code),
            )

    # -- triage ------------------------------------------------------------------------

    def triage(self, system_id: str) -> dict[str, Triage]:
        rows = self.conn.execute(
            "SELECT fingerprint, state, owner, due, note, justification, expiry, rule_id, "
            "updated, review_number FROM triage WHERE system_id = ?",
            (system_id,),
        ).fetchall()
        return {
            fp: Triage(
                fp, TriageState(st), owner, _date(due), note, just, _date(exp), rule, upd, rev
            )
            for fp, st, owner, due, note, just, exp, rule, upd, rev in rows
        }

    def set_triage(self, review: Review, triage: Triage, *, today: date | None = None) -> Triage:
        """Record the decision on one finding, in the context of an open review.

        An accepted risk needs a justification and an expiry date that is still ahead:
        a risk accepted forever, or already expired, is not a decision anyone can audit.
        """
        day = today or date.today()
        if not triage.fingerprint:
            raise WorkspaceError("a triage needs the finding's fingerprint")
        if triage.state is TriageState.ACCEPTED_RISK:
            if not triage.justification.strip():
                raise WorkspaceError(
                    f"finding {triage.fingerprint}: an accepted risk needs a justification "
                    "saying why the risk is acceptable"
                )
            if triage.expiry is None:
                raise WorkspaceError(
                    f"finding {triage.fingerprint}: an accepted risk needs an expiry date "
                    "(YYYY-MM-DD) in the future, after which it is reviewed again"
                )
            if triage.expiry <= day:
                raise WorkspaceError(
                    f"finding {triage.fingerprint}: the expiry {triage.expiry.isoformat()} is not "
                    f"after today ({day.isoformat()}); give a date in the future"
                )
        elif triage.justification.strip() or triage.expiry is not None:
            raise WorkspaceError(
                f"finding {triage.fingerprint}: a justification and an expiry only apply to "
                "an accepted risk"
            )
        for text, what in ((triage.note, "note"), (triage.justification, "justification")):
            _clean_text(text, what)
        _clean_text(triage.owner, "owner", 200)
        stamp = _now()
        with self.ws.transaction() as conn:
            self.writable(review)
            conn.execute(
                "INSERT INTO triage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (system_id, fingerprint) DO UPDATE SET state = excluded.state, "
                "owner = excluded.owner, due = excluded.due, note = excluded.note, "
                "justification = excluded.justification, expiry = excluded.expiry, "
                "rule_id = excluded.rule_id, updated = excluded.updated, "
                "review_number = excluded.review_number",
                (
                    review.system_id,
                    triage.fingerprint,
                    triage.state.value,
                    triage.owner,
                    triage.due.isoformat() if triage.due else None,
                    triage.note,
                    triage.justification,
                    triage.expiry.isoformat() if triage.expiry else None,
                    triage.rule_id,
                    stamp,
                    review.number,
                ),
            )
        return self.triage(review.system_id)[triage.fingerprint]

    # -- internals ---------------------------------------------------------------------

    def writable(self, review: Review) -> Review:
        """The review as stored now, refused when it is closed (or gone)."""
        current = self.review(review.system_id, review.number)
        if current.is_closed:
            raise WorkspaceError(
                f"review {current.label} of '{current.system_id}' was closed on "
                f"{current.closed}; a closed review never changes. Start a new review with "
                "`archrev review start`"
            )
        return current

    def _title_taken(self, system_id: str, title: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM reviews WHERE system_id = ? AND title = ?", (system_id, title)
            ).fetchone()
            is not None
        )

    @staticmethod
    def _review(row: tuple[Any, ...]) -> Review:
        (sid, number, title, status, started, closed, reviewers, notes, checklist, snap) = row
        return Review(
            system_id=sid,
            number=number,
            title=title,
            status=ReviewStatus(status),
            started=date.fromisoformat(started),
            closed=_date(closed),
            reviewers=tuple(json.loads(reviewers)),
            notes=notes,
            checklist=json.loads(checklist) if checklist else None,
            snapshot=json.loads(snap) if snap else None,
        )
