"""Every e-mail's words, in plain text and HTML (every value escaped), with UK dates.

Each template takes plain values and returns a ``Rendered`` mail; what to send and to
whom is decided in queue. Contact details come from the bot's facts (facts.py).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html import escape

from focus_cases import facts
from focus_cases.clock import LONDON
from focus_cases.products import ServiceLine

SIGNATURE = (
    "Focus Group Customer Relations",
    f"{facts.PHONE} · {facts.EMAIL} · {facts.WEBSITE}",
    f"{facts.HOURS} (UK time)",
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def uk_datetime(instant: datetime) -> str:
    """UK local time as an e-mail says it: "Wednesday 25 November 2026, 09:00"."""
    local = instant.astimezone(LONDON)
    return f"{uk_date(local.date())}, {local:%H:%M}"


def uk_date(day: date) -> str:
    """ "Sunday 28 February 2027"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _price(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


Block = str | Table
"""A paragraph (its line breaks kept) or a table."""


def _text(block: Block) -> str:
    if isinstance(block, Table):
        return "\n".join(" | ".join(row) for row in [block.header, *block.rows])
    return block


def _html(block: Block) -> str:
    if isinstance(block, Table):
        head = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in block.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
            for row in block.rows
        )
        return (
            '<table border="1" cellpadding="4" cellspacing="0">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return "<p>" + "<br>\n".join(escape(line) for line in block.split("\n")) + "</p>"


def _compose(subject: str, blocks: list[Block], signed: bool = True) -> Rendered:
    """The mail from its blocks, as text and as HTML (every value escaped), signed by
    Customer Relations unless it is for the team."""
    if signed:
        blocks = [*blocks, "\n".join(SIGNATURE)]
    html = (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>\n<body>\n"
        + "\n".join(_html(block) for block in blocks)
        + "\n</body></html>\n"
    )
    text = "\n\n".join(_text(block) for block in blocks) + "\n"
    return Rendered(subject=subject, text=text, html=html)


def case_confirmation(
    *,
    reference: str,
    kind_label: str,
    contact_name: str,
    queued: bool,
    due_at: datetime,
    respond_by: datetime,
) -> Rendered:
    """To the customer when a case is made: its reference and when it is picked up."""
    if queued:
        when = (
            "We received it outside our working hours, so the team will pick it up at "
            f"{uk_datetime(due_at)}."
        )
    else:
        when = f"The team has it now and aims to respond by {uk_datetime(respond_by)}."
    return _compose(
        f"Your Focus Group reference {reference}",
        [
            f"Dear {contact_name},",
            f"Thank you for contacting Focus Group. We have logged your request "
            f"({kind_label.lower()}) with the reference {reference}; please quote it if you "
            "contact us about it.",
            when,
            f"If it is urgent, please call us on {facts.PHONE}.",
        ],
    )


def fault_alert(
    *,
    reference: str,
    company: str,
    account_number: str,
    contact: str,
    phone: str,
    service: str,
    customer_words: str,
    reported_at: datetime,
    due_at: datetime,
) -> Rendered:
    """To the team: a fault reported while it was closed (the case is queued)."""
    return _compose(
        f"Out-of-hours fault {reference}: {company}",
        [
            f"A fault was reported out of hours at {uk_datetime(reported_at)}. It is queued "
            f"for {uk_datetime(due_at)}; look at it sooner if it cannot wait.",
            f"Reference: {reference}\nCompany: {company}\nAccount: {account_number}\n"
            f"Contact: {contact}\nPhone: {phone}\nService: {service}",
            f"In the customer's words:\n{customer_words}",
        ],
        signed=False,
    )


def tariff_details(
    *,
    reference: str,
    contact_name: str,
    company: str,
    account_number: str,
    lines: list[ServiceLine],
) -> Rendered:
    """To the customer, sent by staff from the console: the account's services, tariffs
    and monthly prices."""
    if lines:
        lead = (
            f"As you asked (reference {reference}), here are the services on account "
            f"{account_number} for {company}, with their tariffs and monthly prices:"
        )
        total = sum((line.monthly_price for line in lines), Decimal(0))
        after = f"Monthly total: {_price(total)}."
    else:
        lead = (
            f"As you asked (reference {reference}): account {account_number} for "
            f"{company} has no services with us at present."
        )
        after = "If that is not what you expected, please get in touch."
    table = Table(
        ["Service", "Description", "Tariff", "Monthly price", "Contract"],
        [
            [
                line.product,
                line.description,
                line.tariff_name,
                _price(line.monthly_price),
                f"{uk_date(line.contract_start)} to {uk_date(line.contract_end)}",
            ]
            for line in lines
        ],
    )
    return _compose(
        f"Your Focus Group tariff details ({account_number})",
        [
            f"Dear {contact_name},",
            lead,
            *([table] if lines else []),
            after,
            f"If you have any questions about your tariff, call us on {facts.PHONE} or reply "
            "to this e-mail.",
        ],
    )
