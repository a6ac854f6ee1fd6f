"""What is mailed, to whom, and when: rows of the ``mail`` table, added to the caller's
transaction so a mail exists exactly when what caused it does (a case, a staff send).
"""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from focus_cases import facts
from focus_cases.mail import templates
from focus_cases.models import Account, Case, Mail
from focus_cases.products import ServiceLine
from focus_cases.schemas import label


class Kind(StrEnum):
    CONFIRMATION = "confirmation"
    FAULT_ALERT = "fault_alert"
    TARIFF_DETAILS = "tariff_details"


def _message_id() -> str:
    return f"<{uuid.uuid4().hex}@{facts.EMAIL.partition('@')[2]}>"


def _add(
    session: AsyncSession,
    kind: Kind,
    case: Case,
    recipient: str,
    mail: templates.Rendered,
    now: datetime,
) -> None:
    session.add(
        Mail(
            kind=kind,
            case_id=case.id,
            message_id=_message_id(),
            recipient=recipient,
            subject=mail.subject,
            body_text=mail.text,
            body_html=mail.html,
            status="queued",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
    )


def _out_of_hours(case: Case) -> bool:
    """Made while the team was closed (so it waits for the next opening)."""
    return case.due_at > case.created_at


def for_new_case(
    session: AsyncSession,
    case: Case,
    account: Account | None,
    respond_by: datetime,
    team_email: str,
    now: datetime,
) -> None:
    """A new case's mail: a confirmation to the account's e-mail, if it has one, and for
    a fault made out of hours an alert to the team."""
    if account is not None and account.email:
        _add(
            session,
            Kind.CONFIRMATION,
            case,
            account.email,
            templates.case_confirmation(
                reference=case.reference,
                kind_label=label(case.kind),
                contact_name=case.contact_name or account.contact_name,
                queued=case.status == "queued",
                due_at=case.due_at,
                respond_by=respond_by,
            ),
            now,
        )
    if case.kind == "fault" and _out_of_hours(case):
        _add(
            session,
            Kind.FAULT_ALERT,
            case,
            team_email,
            templates.fault_alert(
                reference=case.reference,
                company=account.company_name if account else "(no account given)",
                account_number=account.account_number if account else "-",
                contact=case.contact_name or (account.contact_name if account else "-"),
                phone=case.contact_phone or (account.phone if account else None) or "-",
                service=str(case.details.get("service", "-")),
                customer_words=case.customer_words,
                reported_at=case.created_at,
                due_at=case.due_at,
            ),
            now,
        )


def tariff_details(session: AsyncSession, case: Case, account: Account, now: datetime) -> str:
    """The account's services, tariffs and prices to its e-mail (which must be set);
    the address it goes to."""
    assert account.email, "the caller checks the account has an e-mail address"
    _add(
        session,
        Kind.TARIFF_DETAILS,
        case,
        account.email,
        templates.tariff_details(
            reference=case.reference,
            contact_name=case.contact_name or account.contact_name,
            company=account.company_name,
            account_number=account.account_number,
            lines=[
                ServiceLine(
                    product=s.product,
                    description=s.description,
                    tariff_name=s.tariff_name,
                    monthly_price=s.monthly_price,
                    contract_start=s.contract_start,
                    contract_end=s.contract_end,
                )
                for s in account.services
            ],
        ),
        now,
    )
    return account.email
