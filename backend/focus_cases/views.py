"""Database rows, and the rules staff see (kinds, statuses, moves, hours), as the API's
response shapes."""

from datetime import datetime, timedelta
from typing import get_args

from focus_cases import hours
from focus_cases.auth import Principal
from focus_cases.cases import ACTIVE, TRANSITIONS, respond_by
from focus_cases.clock import LONDON
from focus_cases.models import Account, AuditEntry, Case, CaseEvent, StaffUser
from focus_cases.schemas import (
    AccountOut,
    AuditEntryOut,
    CaseCreated,
    CaseDetail,
    CaseListItem,
    CaseSummary,
    DueClock,
    EventOut,
    HoursOut,
    Kind,
    KindOut,
    Me,
    Meta,
    OpeningHours,
    ServiceOut,
    StaffOut,
    Status,
    StatusOut,
    WidgetConfig,
    label,
)


def account_out(account: Account, verified_at: datetime) -> AccountOut:
    return AccountOut(
        verified_at=verified_at,
        account_number=account.account_number,
        company_name=account.company_name,
        contact_name=account.contact_name,
        postcode=account.postcode,
        has_email=bool(account.email),
        services=[
            ServiceOut(
                id=s.id,
                product=s.product,
                description=s.description,
                tariff_name=s.tariff_name,
                monthly_price=f"{s.monthly_price:.2f}",
                contract_start=s.contract_start,
                contract_end=s.contract_end,
            )
            for s in account.services
        ],
    )


def _due_now(case: Case, now: datetime) -> bool:
    return case.status in ACTIVE and case.due_at <= now


def _due_in(left: timedelta) -> str:
    """How long is left, as the queue shows it: "due in 25 min", "due in 3 h", "due in 2 days"."""
    minutes = int(left.total_seconds() // 60)
    if minutes < 60:
        return f"due in {minutes} min"
    if minutes < 48 * 60:
        return f"due in {minutes // 60} h"
    return f"due in {minutes // (24 * 60)} days"


def due_clock(case: Case, now: datetime) -> DueClock:
    by = respond_by(case)
    active = case.status in ACTIVE
    overdue = active and by <= now
    return DueClock(
        respond_by=by,
        overdue=overdue,
        due_in_text=("overdue" if overdue else _due_in(by - now)) if active else None,
    )


def case_created(case: Case, *, linked: bool = False) -> CaseCreated:
    return CaseCreated(
        reference=case.reference,
        kind=case.kind,
        status=case.status,
        channel=case.channel,
        created_at=case.created_at,
        due_at=case.due_at,
        due_at_local=case.due_at.astimezone(LONDON),
        due_at_text=hours.describe(case.due_at),
        open_now=case.due_at <= case.created_at,
        customer_words=case.customer_words,
        account_number=case.account.account_number if case.account else None,
        contact_name=case.contact_name,
        contact_phone=case.contact_phone,
        conversation_id=case.conversation_id,
        details=case.details,
        linked=linked,
    )


def event_out(event: CaseEvent) -> EventOut:
    return EventOut.model_validate(event, from_attributes=True)


def case_detail(case: Case, now: datetime) -> CaseDetail:
    return CaseDetail(
        **case_created(case).model_dump(),
        **due_clock(case, now).model_dump(),
        company_name=case.account.company_name if case.account else None,
        assigned_to=case.assigned_to,
        updated_at=case.updated_at,
        created_by=case.created_by,
        due_now=_due_now(case, now),
        events=[event_out(e) for e in case.events],
    )


def case_list_item(case: Case, now: datetime) -> CaseListItem:
    return CaseListItem(
        **due_clock(case, now).model_dump(),
        reference=case.reference,
        kind=case.kind,
        status=case.status,
        channel=case.channel,
        created_at=case.created_at,
        due_at=case.due_at,
        due_at_text=hours.describe(case.due_at),
        due_now=_due_now(case, now),
        account_number=case.account.account_number if case.account else None,
        company_name=case.account.company_name if case.account else None,
        contact_name=case.contact_name,
        assigned_to=case.assigned_to,
    )


CSV_COLUMNS = (
    "reference", "kind", "status", "channel", "created_at", "due_at", "respond_by", "overdue",
    "assigned_to", "account_number", "company_name", "contact_name", "contact_phone",
)  # fmt: skip


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula (a company or
    contact name comes from outside)."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def case_csv_row(case: Case, now: datetime) -> list[str]:
    """One case as a line of the queue's CSV export, in CSV_COLUMNS order."""
    row = {
        **case_list_item(case, now).model_dump(),
        "contact_phone": case.contact_phone,
    }
    return [_cell(row[column]) for column in CSV_COLUMNS]


_EVENT_TEXTS = {
    "created": "case created",
    "note_added": "note added",
    "assigned": "a team member took the case",
    "unassigned": "the case went back to the team's queue",
    "request_linked": "a further request was added",
    "tariff_emailed": "your tariff details were e-mailed to you",
    "email_failed": "an e-mail about the case could not be delivered",
    "erased": "the customer's details were erased",
}


def _event_text(event: CaseEvent) -> str:
    if event.event == "status_changed":
        return f"status changed to {event.to_status}"
    return _EVENT_TEXTS[event.event]


def case_summary(case: Case, last: CaseEvent) -> CaseSummary:
    return CaseSummary(
        reference=case.reference,
        kind=case.kind,
        status=case.status,
        created_at=case.created_at,
        due_at=case.due_at,
        due_at_text=hours.describe(case.due_at),
        last_update=last.at,
        last_event=_event_text(last),
    )


def opening_hours() -> OpeningHours:
    return OpeningHours(
        working_days=hours.WORKING_DAYS,
        opens=f"{hours.OPENS:%H:%M}",
        closes=f"{hours.CLOSES:%H:%M}",
        timezone=LONDON.key,
        summary=hours.SUMMARY,
    )


def hours_out(now: datetime) -> HoursOut:
    h = hours.hours_at(now)
    return HoursOut(
        **opening_hours().model_dump(),
        open_now=h.open_now,
        now=now.astimezone(LONDON),
        next_open=h.next_open.astimezone(LONDON),
        closes_at=h.closes_at.astimezone(LONDON) if h.closes_at else None,
    )


def widget_config(now: datetime, socket_url: str) -> WidgetConfig:
    h = hours.hours_at(now)
    return WidgetConfig(
        socket_url=socket_url,
        open_now=h.open_now,
        next_open_text=hours.describe(h.next_open),
        hours_summary=hours.SUMMARY,
    )


def meta() -> Meta:
    """The vocabulary, from where each part lives: kinds from the schemas, statuses
    and their moves from the case rules, the hours from the hours rule."""
    return Meta(
        kinds=[KindOut(value=kind, label=label(kind)) for kind in get_args(Kind)],
        statuses=[
            StatusOut(value=status, label=label(status), active=status in ACTIVE)
            for status in get_args(Status)
        ],
        transitions={status: list(moves) for status, moves in TRANSITIONS.items()},
        hours=opening_hours(),
    )


def staff_out(user: StaffUser) -> StaffOut:
    return StaffOut(
        username=user.username,
        role=user.role,  # type: ignore[arg-type]
        created_at=user.created_at,
        disabled=user.disabled_at is not None,
        must_change_password=user.must_change_password,
    )


def audit_entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut.model_validate(entry, from_attributes=True)


def me(caller: Principal) -> Me:
    return Me(
        username=caller.name,
        role=caller.role,  # type: ignore[arg-type]
        csrf_token=caller.csrf_token or "",
        must_change_password=caller.must_change_password,
    )
