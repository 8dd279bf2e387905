"""The modal forms of the app: component, link, confirmation, find, system picker.

Forms never crash on bad input: values go to the pydantic types as typed, and every
validation error is shown under its field, in words, while the form stays open. Names and
notes typed by users are shown as plain text (`rich.text.Text`), never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from archrev.model.types import (
    Component,
    Failover,
    Kind,
    Link,
    Mode,
    Tier,
    is_valid_id,
    slugify,
)
from archrev.rules.rulebook import num
from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

ID_RULE = "use letters, digits, '-', '_' or '.', starting with a letter or digit"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form: which model field it edits and with what widget."""

    name: str
    label: str
    widget: str  # text | int | number | optional_int | enum | bool | tristate | tags | date
    choices: tuple[str, ...] = ()
    hint: str = ""


COMPONENT_SECTIONS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    (
        "Component",
        (
            FieldSpec("name", "Name", "text", hint="shown on the box"),
            FieldSpec("id", "Id", "text", hint="links use it: " + ID_RULE),
            FieldSpec("kind", "Kind", "enum", tuple(k.value for k in Kind)),
            FieldSpec("technology", "Technology", "text", hint="e.g. PostgreSQL 16, FastAPI"),
            FieldSpec("owner", "Owner", "text"),
            FieldSpec("tier", "Tier", "enum", tuple(t.value for t in Tier)),
            FieldSpec("group", "Group", "text"),
            FieldSpec("tags", "Tags", "tags", hint="separated by commas"),
            FieldSpec("notes", "Notes", "text"),
        ),
    ),
    (
        "Deployment",
        (
            FieldSpec("replicas", "Replicas", "int"),
            FieldSpec("zones", "Zones", "int"),
            FieldSpec("autoscaling", "Autoscaling", "bool"),
            FieldSpec("autoscaling_min", "  min replicas", "int"),
            FieldSpec("autoscaling_max", "  max replicas", "optional_int", hint="empty: unbounded"),
            FieldSpec("autoscaling_metric", "  metric", "text"),
            FieldSpec("stateful", "Stateful", "tristate", ("default", "yes", "no")),
            FieldSpec("failover", "Failover", "enum", tuple(f.value for f in Failover)),
            FieldSpec("read_replicas", "Read replicas", "int"),
            FieldSpec("sharded", "Sharded", "bool"),
            FieldSpec("backups", "Backups", "bool"),
            FieldSpec("spot", "Spot instances", "bool"),
            FieldSpec("serverless", "Serverless", "bool"),
        ),
    ),
    (
        "Load",
        (
            FieldSpec("peak_rps", "Peak rps", "number", hint="demand entering here at peak"),
            FieldSpec("capacity_rps", "Capacity rps", "number", hint="per replica"),
            FieldSpec("latency_ms", "Latency ms", "number", hint="p95 of one call"),
            FieldSpec("read_ratio", "Read ratio", "number", hint="0..1"),
            FieldSpec("hit_ratio", "Hit ratio", "number", hint="caches, 0..1"),
            FieldSpec("growth_per_year", "Growth / year", "number", hint="0.4 = +40 %"),
        ),
    ),
    (
        "Operations",
        (
            FieldSpec("monitoring_metrics", "Metrics", "bool"),
            FieldSpec("monitoring_alerts", "Alerts", "bool"),
            FieldSpec("monitoring_tracing", "Tracing", "bool"),
            FieldSpec("monitoring_cost_tags", "Cost tags", "bool"),
            FieldSpec("cost_per_month", "Cost / month", "number"),
            FieldSpec("utilization", "Utilization", "number", hint="measured average, 0..1"),
            FieldSpec("workaround", "Workaround", "bool"),
            FieldSpec("review_by", "Review by", "date", hint="YYYY-MM-DD"),
            FieldSpec("deprecated", "Deprecated", "bool"),
        ),
    ),
)
COMPONENT_FIELDS = {spec.name: spec for _, specs in COMPONENT_SECTIONS for spec in specs}


def plain(value: object) -> Text:
    """User text as a renderable that is never parsed as markup."""
    return Text(str(value))


def show_error(label: Static, message: str) -> None:
    label.update(plain(message))
    label.set_class(not message, "-empty")


def id_problem(value: str) -> str:
    """What is wrong with an id, in words that do not repeat the rule shown below the field
    (the hint): the characters it may not hold, or its first character."""
    bad = sorted({ch for ch in value if not (ch.isascii() and (ch.isalnum() or ch in "-_."))})
    if bad:
        names = ["a space" if ch == " " else f"'{ch}'" for ch in bad]
        shown = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        # A whole sentence with what to do; the value itself is in the field above.
        return f"an id cannot hold {shown}: use '-' instead"
    if value and not value[0].isalnum():
        return f"'{value}' starts with '{value[0]}'; an id starts with a letter or digit"
    if len(value) > 100:
        return f"this id is {len(value)} characters long; an id has at most 100"
    return f"'{value}' is not an id"


def _friendly(err: dict[str, Any]) -> str:
    """A pydantic error in the words of the form."""
    kind = err["type"]
    if kind == "string_pattern_mismatch":
        return ID_RULE
    if kind == "enum":
        return f"choose one of {err.get('ctx', {}).get('expected', '')}"
    # Numbers in the app's words ("must be a number >= 0"), not pydantic's "Input should be".
    ctx = err.get("ctx", {})
    bounds = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        bound = ctx.get(key)
        shown = num(bound) if isinstance(bound, (int, float)) else str(bound)
        return f"must be a number {sign} {shown}"
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return "must be a number, e.g. 250 or 0.5"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number, e.g. 3"
    if kind in ("bool_parsing", "bool_type"):
        return "must be yes or no"
    message = str(err["msg"]).removeprefix("Value error, ")
    return message[0].upper() + message[1:] if message else kind


def _initial(comp: Component, spec: FieldSpec) -> Any:
    name = spec.name
    if name.startswith("autoscaling_"):
        scaling = comp.autoscaling
        sub = name.removeprefix("autoscaling_")
        if scaling is None:
            return {"min": 1, "max": None, "metric": "cpu"}[sub]
        return getattr(scaling, sub)
    if name.startswith("monitoring_"):
        return getattr(comp.monitoring, name.removeprefix("monitoring_"))
    if name == "autoscaling":
        return comp.autoscaling is not None
    return getattr(comp, name)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(getattr(value, "value", value))


class ComponentForm(ModalScreen[Component | None]):
    """Add or edit a component; returns the validated component, or None when cancelled."""

    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("ctrl+l", "toggle_tab", "Fields/links", id="form.links"),
    ]

    def __init__(
        self,
        component: Component | None,
        taken_ids: set[str],
        links: list[Link] | None = None,
        on_link: Callable[[str, tuple[str, str], ComponentForm], None] | None = None,
    ) -> None:
        """`links` and `on_link` add a Links tab whose edits the caller applies at once."""
        super().__init__()
        self.on_link = on_link
        self.original = component
        self.taken_ids = taken_ids - ({component.id} if component else set())
        self.links = links
        self.id_edited = component is not None
        self._filling_id = False
        # After a save failed, the errors follow the fields as they are typed in.
        self.save_tried = False

    # -- building ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        start = self.original or Component(id="component")
        title = (
            Text.assemble("Edit ", (start.display_name, "bold"))
            if self.original
            else Text("Add a component")
        )
        with Vertical(id="form-box"):
            yield Static(title, id="form-title")
            keys = "ctrl+s saves · esc cancels" + (" · ctrl+l fields/links" if self.links else "")
            yield Static(keys, classes="hint")
            if self.links is None:
                yield from self._fields(start)
            else:
                with TabbedContent(id="form-tabs"):
                    with TabPane("Fields", id="tab-fields"):
                        yield from self._fields(start)
                    with TabPane("Links", id="tab-links"):
                        yield Static(
                            "Link changes are saved at once (ctrl+z takes them back).",
                            classes="hint",
                        )
                        yield DataTable(id="link-table", cursor_type="row")
                        with Horizontal(classes="buttons"):
                            yield Button("Edit link", id="edit-link")
                            yield Button("Delete link", id="delete-link", variant="error")
            yield Static("", id="form-error", classes="error -empty")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def _fields(self, start: Component) -> ComposeResult:
        with VerticalScroll(id="form-fields"):
            for section, specs in COMPONENT_SECTIONS:
                yield Static(section, classes="section")
                for spec in specs:
                    with Horizontal(classes="field", id=f"row-{spec.name}"):
                        yield Label(spec.label, classes="field-label")
                        with Vertical(classes="field-input"):
                            widget = self._widget(spec, _initial(start, spec))
                            if spec.hint:
                                widget.tooltip = spec.hint
                            yield widget
                            if spec.name == "id":  # the one rule worth a line of its own
                                yield Static(spec.hint, classes="hint")
                            yield Static("", id=f"err-{spec.name}", classes="error -empty")

    def _widget(self, spec: FieldSpec, value: Any) -> Any:
        wid = f"f-{spec.name}"
        if spec.widget == "enum":
            return Select(
                [(c, c) for c in spec.choices],
                value=_as_text(value),
                allow_blank=False,
                id=wid,
            )
        if spec.widget == "tristate":
            label = "default" if value is None else ("yes" if value else "no")
            return Select([(c, c) for c in spec.choices], value=label, allow_blank=False, id=wid)
        if spec.widget == "bool":
            return Checkbox("", value=bool(value), id=wid)
        text = "" if (spec.name == "id" and self.original is None) else _as_text(value)
        # The id's rule has a line of its own below the field.
        return Input(text, placeholder="" if spec.name == "id" else spec.hint, id=wid)

    def on_mount(self) -> None:
        if self.links is not None:
            self._fill_links()
        self.query_one("#f-name", Input).focus()

    def _fill_links(self) -> None:
        table = self.query_one("#link-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns("from", "to", "mode", "required", "protocol", "calls")
        for link in self.links or []:
            table.add_row(
                plain(link.source),
                plain(link.target),
                link.mode.value,
                "yes" if link.required else "no",
                plain(link.protocol),
                _as_text(link.calls),
                key=f"{link.source}\x00{link.target}",
            )
        if not self.links:
            table.add_row("(no links)", "", "", "", "", "")
        elif row > 0:
            table.move_cursor(row=min(row, len(self.links) - 1), animate=False)

    def set_links(self, links: list[Link]) -> None:
        self.links = links
        self._fill_links()

    # -- the id follows the name until the user types one --------------------------------

    @on(Input.Changed, "#f-name")
    def _suggest_id(self, event: Input.Changed) -> None:
        if self.id_edited:
            return
        base = slugify(event.value) if event.value.strip() else ""
        suggestion = base
        n = 2
        while suggestion and suggestion in self.taken_ids:
            suggestion = f"{base}-{n}"
            n += 1
        self._filling_id = True
        self.query_one("#f-id", Input).value = suggestion

    @on(Input.Changed, "#f-id")
    def _id_typed(self) -> None:
        if self._filling_id:
            self._filling_id = False
            return
        self.id_edited = True

    # -- saving --------------------------------------------------------------------------

    def _value(self, spec: FieldSpec) -> Any:
        widget = self.query_one(f"#f-{spec.name}")
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, Select):
            return widget.value
        assert isinstance(widget, Input)
        return widget.value.strip()

    def collect(self) -> tuple[Component | None, dict[str, str]]:
        """The component the form describes, or the errors by field name."""
        raw: dict[str, Any] = {}
        scaling: dict[str, Any] = {}
        monitoring: dict[str, Any] = {}
        for spec in COMPONENT_FIELDS.values():
            value = self._value(spec)
            if spec.name.startswith("autoscaling_"):
                key = spec.name.removeprefix("autoscaling_")
                if value != "":
                    scaling[key] = value
                elif key == "max":
                    scaling[key] = None
                continue
            if spec.name.startswith("monitoring_"):
                monitoring[spec.name.removeprefix("monitoring_")] = value
                continue
            if spec.name == "autoscaling":
                continue
            if spec.widget == "tristate":
                raw[spec.name] = {"default": None, "yes": True, "no": False}[value]
            elif spec.widget == "tags":
                raw[spec.name] = [t.strip() for t in value.split(",") if t.strip()]
            elif spec.widget in ("number", "date", "optional_int"):
                raw[spec.name] = value if value != "" else None
            elif spec.widget == "int":
                if value != "":
                    raw[spec.name] = value
            else:
                raw[spec.name] = value
        if self._value(COMPONENT_FIELDS["autoscaling"]):
            raw["autoscaling"] = scaling
        raw["monitoring"] = monitoring
        errors: dict[str, str] = {}
        comp_id = raw.get("id", "")
        if not comp_id:
            errors["id"] = "an id is needed"
        elif not is_valid_id(comp_id):
            errors["id"] = id_problem(comp_id)
        elif comp_id in self.taken_ids:
            errors["id"] = f"'{comp_id}' is already used by another component"
        try:
            comp = Component.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = [str(p) for p in err["loc"]]
                name = loc[0] if loc else ""
                if name in ("autoscaling", "monitoring") and len(loc) > 1:
                    sub = f"{name}_{loc[1]}"
                    name = sub if sub in COMPONENT_FIELDS else name
                errors.setdefault(name, _friendly(err))
            return None, errors
        return (None, errors) if errors else (comp, errors)

    def show_errors(self, errors: dict[str, str], *, reveal: bool = True) -> None:
        for name in COMPONENT_FIELDS:
            show_error(self.query_one(f"#err-{name}", Static), errors.get(name, ""))
        stray = [f"{k}: {v}" for k, v in errors.items() if k not in COMPONENT_FIELDS]
        count = len(errors)
        summary = f"{count} field{'s' if count != 1 else ''} to fix" if errors else ""
        show_error(
            self.query_one("#form-error", Static),
            "; ".join([summary, *stray]) if stray else summary,
        )
        if errors and reveal:
            first = next((n for n in COMPONENT_FIELDS if n in errors), None)
            if first is not None:
                self._reveal(first)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _recheck(self) -> None:
        # An error must not outlive its cause: once a save failed, every change re-checks
        # the form, so that a corrected field loses its error at once (the focus stays).
        if self.save_tried:
            self.show_errors(self.collect()[1], reveal=False)

    def _reveal(self, name: str) -> None:
        if self.links is not None:
            self.query_one("#form-tabs", TabbedContent).active = "tab-fields"
        row = self.query_one(f"#row-{name}")
        self.query_one("#form-fields", VerticalScroll).scroll_to_widget(row, animate=False)
        self.query_one(f"#f-{name}").focus()

    def action_save(self) -> None:
        comp, errors = self.collect()
        self.save_tried = True
        self.show_errors(errors)
        if comp is not None:
            self.dismiss(comp)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_toggle_tab(self) -> None:
        if self.links is None:
            return
        tabs = self.query_one("#form-tabs", TabbedContent)
        tabs.active = "tab-links" if tabs.active == "tab-fields" else "tab-fields"
        if tabs.active == "tab-links":
            self.query_one("#link-table", DataTable).focus()
        else:
            self.query_one("#f-name", Input).focus()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def selected_link(self) -> tuple[str, str] | None:
        table = self.query_one("#link-table", DataTable)
        if not self.links or table.cursor_row < 0:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value or ""
        source, _, target = key.partition("\x00")
        return (source, target) if target else None

    @on(DataTable.RowSelected, "#link-table")
    @on(Button.Pressed, "#edit-link")
    def _edit_link(self) -> None:
        key = self.selected_link()
        if key is not None and self.on_link is not None:
            self.on_link("edit", key, self)

    @on(Button.Pressed, "#delete-link")
    def _delete_link(self) -> None:
        key = self.selected_link()
        if key is not None and self.on_link is not None:
            self.on_link("delete", key, self)


class LinkForm(ModalScreen[Link | None]):
    """Add or edit a link: mode and whether the source needs it are asked first."""

    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="linkform.cancel"),
        Binding("ctrl+s", "save", "Save", id="linkform.save"),
    ]

    FIELDS: ClassVar = (
        ("protocol", "Protocol", "e.g. HTTP, gRPC, AMQP"),
        ("calls", "Calls", "calls per request of the source"),
        ("timeout_ms", "Timeout ms", ""),
        ("retries", "Retries", ""),
        ("description", "Description", ""),
    )

    def __init__(self, link: Link, *, new: bool) -> None:
        super().__init__()
        self.link = link
        self.new = new
        self.save_tried = False  # as in ComponentForm: errors then follow the typing

    def compose(self) -> ComposeResult:
        link = self.link
        verb = "Connect" if self.new else "Edit link"
        with Vertical(id="form-box", classes="small"):
            yield Static(
                Text.assemble(f"{verb} ", (link.source, "bold"), " → ", (link.target, "bold")),
                id="form-title",
            )
            yield Static("ctrl+s saves · esc cancels", classes="hint")
            with VerticalScroll(id="form-fields"):
                with Horizontal(classes="field"):
                    yield Label("Mode", classes="field-label")
                    with RadioSet(id="f-mode"):
                        yield RadioButton(
                            "sync: the caller waits", value=link.mode is Mode.SYNC, id="mode-sync"
                        )
                        yield RadioButton(
                            "async: a message, no waiting",
                            value=link.mode is Mode.ASYNC,
                            id="mode-async",
                        )
                with Horizontal(classes="field"):
                    yield Label("Required", classes="field-label")
                    with Vertical(classes="field-input"):
                        yield Checkbox(
                            "the source fails without it",
                            value=link.required,
                            id="f-required",
                            classes="labelled",
                        )
                for name, label, hint in self.FIELDS:
                    with Horizontal(classes="field"):
                        yield Label(label, classes="field-label")
                        with Vertical(classes="field-input"):
                            yield Input(
                                _as_text(getattr(link, name)), placeholder=hint, id=f"f-{name}"
                            )
                            yield Static("", id=f"err-{name}", classes="error -empty")
            yield Static("", id="form-error", classes="error -empty")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#f-mode", RadioSet).focus()

    def collect(self) -> tuple[Link | None, dict[str, str]]:
        mode_set = self.query_one("#f-mode", RadioSet)
        pressed = mode_set.pressed_button
        raw: dict[str, Any] = {
            "source": self.link.source,
            "target": self.link.target,
            "mode": "async" if pressed is not None and pressed.id == "mode-async" else "sync",
            "required": self.query_one("#f-required", Checkbox).value,
        }
        for name, _, _ in self.FIELDS:
            value = self.query_one(f"#f-{name}", Input).value.strip()
            if value != "":
                raw[name] = value
            elif name in ("timeout_ms", "retries"):
                raw[name] = None
        try:
            return Link.model_validate(raw), {}
        except ValidationError as exc:
            errors: dict[str, str] = {}
            for err in exc.errors(include_url=False):
                name = str(err["loc"][0]) if err["loc"] else ""
                errors.setdefault(name, _friendly(err))
            return None, errors

    def action_save(self) -> None:
        link, errors = self.collect()
        self.save_tried = True
        self.show_errors(errors)
        if link is not None:
            self.dismiss(link)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(RadioSet.Changed)
    def _recheck(self) -> None:
        if self.save_tried:
            self.show_errors(self.collect()[1])

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, _, _ in self.FIELDS:
            show_error(self.query_one(f"#err-{name}", Static), errors.get(name, ""))
        stray = [
            f"{k}: {v}"
            for k, v in errors.items()
            if k not in dict.fromkeys(n for n, _, _ in self.FIELDS)
        ]
        show_error(self.query_one("#form-error", Static), "; ".join(stray))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; escape or n says no."""

    BINDINGS: ClassVar = [
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
    ]

    def __init__(self, question: Text, yes: str = "Delete") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error")
                yield Button("Keep (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class FindScreen(ModalScreen[str | None]):
    """Find a component by name or id: type to narrow, enter to go there."""

    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="find.cancel"),
        Binding("down", "cursor_down", "Next", show=False, id="find.down"),
        Binding("up", "cursor_up", "Previous", show=False, id="find.up"),
    ]

    def __init__(self, components: list[Component]) -> None:
        super().__init__()
        self.components = components

    def compose(self) -> ComposeResult:
        with Vertical(id="find-box"):
            yield Input(placeholder="find a component by name or id", id="find-input")
            yield OptionList(id="find-results")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#find-input", Input).focus()

    def _fill(self, query: str) -> None:
        needle = query.strip().casefold()
        results = self.query_one("#find-results", OptionList)
        results.clear_options()
        scored: list[tuple[int, str, Component]] = []
        for comp in self.components:
            name = comp.display_name.casefold()
            ident = comp.id.casefold()
            if not needle:
                rank = 2
            elif name.startswith(needle) or ident.startswith(needle):
                rank = 0
            elif needle in name or needle in ident:
                rank = 1
            else:
                continue
            scored.append((rank, name, comp))
        scored.sort(key=lambda item: (item[0], item[1]))
        results.add_options(
            Option(
                Text.assemble(
                    (comp.display_name, "bold"), "  ", (f"{comp.id} · {comp.kind.value}", "dim")
                ),
                id=comp.id,
            )
            for _, _, comp in scored[:200]
        )
        if scored:
            results.highlighted = 0

    @on(Input.Changed, "#find-input")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#find-input")
    def _submitted(self) -> None:
        results = self.query_one("#find-results", OptionList)
        if results.highlighted is not None and results.option_count:
            self.dismiss(results.get_option_at_index(results.highlighted).id)

    @on(OptionList.OptionSelected, "#find-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cursor_down(self) -> None:
        self.query_one("#find-results", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#find-results", OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class SystemPicker(ModalScreen[str | None]):
    """Choose one of the systems of a workspace."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Quit", id="picker.cancel")]

    def __init__(self, systems: list[tuple[str, str, int, int]], path: str) -> None:
        super().__init__()
        self.systems = systems
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static(
                Text.assemble("Systems in ", (self.path, "bold"), " — pick one, enter to open"),
                id="picker-title",
            )
            yield OptionList(
                *(
                    Option(
                        Text.assemble(
                            (name, "bold"),
                            "  ",
                            (f"{sid} · {ncomp} components, {nlink} links", "dim"),
                        ),
                        id=sid,
                    )
                    for sid, name, ncomp, nlink in self.systems
                ),
                id="picker-list",
            )

    def on_mount(self) -> None:
        self.query_one("#picker-list", OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
