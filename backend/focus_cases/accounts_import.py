"""Importing customer accounts from CSV: check every row, then upsert in one transaction.

One row per service; the account's columns repeat on each of its rows (a row with
the service columns empty is an account with no services). Accounts are upserted by
account number and their services replaced by the file's; accounts not in the file
are untouched. Any rejected row rejects the file: the report names every one, by
line and reason, and nothing changes. The format is in backend/README.md.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from focus_cases.models import Account, Service
from focus_cases.products import PRODUCTS, ServiceLine
from focus_cases.schemas import ImportReport, Rejection
from focus_cases.verification import normalise

ACCOUNT_COLUMNS = ("account_number", "company_name", "contact_name", "email", "phone", "postcode")
SERVICE_COLUMNS = (
    "product",
    "description",
    "tariff_name",
    "monthly_price",
    "contract_start",
    "contract_end",
)
COLUMNS = ACCOUNT_COLUMNS + SERVICE_COLUMNS
OPTIONAL_COLUMNS = frozenset({"email", "phone", "description"})
BATCH = 5000

ACCOUNT_NUMBER = re.compile(r"^FG\d{6}$")
POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[\d ()-]{10,20}$")
MAX_PRICE = Decimal("99999999.99")
LENGTHS = {
    "company_name": 200,
    "contact_name": 200,
    "email": 254,
    "phone": 40,
    "description": 300,
    "tariff_name": 100,
}


class RowError(ValueError):
    """Why one row is rejected."""


class AccountRow(NamedTuple):
    account_number: str
    company_name: str
    contact_name: str
    email: str | None
    phone: str | None
    postcode: str


@dataclass
class Parsed:
    """The checked file: accounts by number with their services, and the rejected rows."""

    accounts: dict[str, AccountRow] = field(default_factory=dict)
    services: dict[str, list[ServiceLine]] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def service_count(self) -> int:
        return sum(len(services) for services in self.services.values())


def _text(row: dict[str, str], column: str, *, required: bool = True) -> str | None:
    value = (row.get(column) or "").strip()
    if not value:
        if required:
            raise RowError(f"{column} is empty")
        return None
    if "\x00" in value:
        raise RowError(f"{column} contains a NUL character")
    if column in LENGTHS and len(value) > LENGTHS[column]:
        raise RowError(f"{column} is longer than {LENGTHS[column]} characters")
    return value


def _postcode(raw: str) -> str:
    match = POSTCODE.match(normalise(raw))
    if not match:
        raise RowError(f"bad postcode {raw!r}")
    return f"{match[1]} {match[2]}"


def _date(row: dict[str, str], column: str) -> date:
    raw = _text(row, column) or ""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RowError(f"bad date in {column} {raw!r} (use YYYY-MM-DD)") from None


def _price(raw: str) -> Decimal:
    try:
        price = Decimal(raw.removeprefix("£"))
    except InvalidOperation:
        raise RowError(f"monthly_price is not a number: {raw!r}") from None
    if not price.is_finite() or not 0 <= price <= MAX_PRICE or price.as_tuple().exponent < -2:  # type: ignore[operator]
        raise RowError(f"monthly_price must be 0 to {MAX_PRICE} with at most 2 decimals")
    return price


def _account(row: dict[str, str]) -> AccountRow:
    number = normalise(_text(row, "account_number") or "")
    if not ACCOUNT_NUMBER.match(number):
        raise RowError(f"bad account number {row['account_number'].strip()!r} (FG and 6 digits)")
    email = _text(row, "email", required=False)
    if email and not EMAIL.match(email):
        raise RowError(f"bad e-mail {email!r}")
    phone = _text(row, "phone", required=False)
    if phone and not PHONE.match(phone):
        raise RowError(f"bad phone number {phone!r}")
    return AccountRow(
        account_number=number,
        company_name=_text(row, "company_name") or "",
        contact_name=_text(row, "contact_name") or "",
        email=email,
        phone=phone,
        postcode=_postcode(_text(row, "postcode") or ""),
    )


def _service(row: dict[str, str]) -> ServiceLine | None:
    """The row's service; None when every service column is empty."""
    if not any((row.get(column) or "").strip() for column in SERVICE_COLUMNS):
        return None
    product = _text(row, "product") or ""
    if product not in PRODUCTS:
        raise RowError(f"unknown product {product!r} (see the product list in backend/README.md)")
    start, end = _date(row, "contract_start"), _date(row, "contract_end")
    if end < start:
        raise RowError("contract_end is before contract_start")
    return ServiceLine(
        product=product,
        description=_text(row, "description", required=False) or "",
        tariff_name=_text(row, "tariff_name") or "",
        monthly_price=_price(_text(row, "monthly_price") or ""),
        contract_start=start,
        contract_end=end,
    )


def _header_problems(header: list[str] | None) -> list[str]:
    if not header:
        return ["the file is empty (the first line must name the columns)"]
    names = [name.strip() for name in header]
    problems = [f"unknown column {name!r}" for name in names if name not in COLUMNS]
    problems += [f"duplicate column {name!r}" for name in set(names) if names.count(name) > 1]
    problems += [
        f"missing column {name!r}"
        for name in COLUMNS
        if name not in names and name not in OPTIONAL_COLUMNS
    ]
    return problems


def _check(parsed: Parsed, row: dict[str, str], line: int, seen: dict[tuple, int]) -> None:
    """Add one row to ``parsed``, or raise RowError; ``seen`` maps rows to their lines."""
    if None in row:
        raise RowError("more fields than columns")
    account, service = _account(row), _service(row)
    number = account.account_number
    first = seen.setdefault((number,), line)
    if first != line and parsed.accounts[number] != account:
        raise RowError(f"account details differ from line {first} for {number}")
    key = (number, *service) if service else (number, None)
    if key in seen:
        raise RowError(f"duplicate of line {seen[key]}")
    seen[key] = line
    parsed.accounts[number] = account
    services = parsed.services.setdefault(number, [])
    if service:
        services.append(service)


def parse(lines: Iterable[str]) -> Parsed:
    """Check every row of a CSV file (lines as ``open(..., newline="")`` gives them)."""
    parsed = Parsed()
    reader = csv.DictReader(lines, restval="", strict=True)
    try:
        if problems := _header_problems(reader.fieldnames):
            parsed.rejected += [Rejection(line=1, reason=problem) for problem in problems]
            return parsed
        reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        seen: dict[tuple, int] = {}
        for row in reader:
            try:
                _check(parsed, row, reader.line_num, seen)
            except RowError as error:
                parsed.rejected.append(Rejection(line=reader.line_num, reason=str(error)))
    except csv.Error as error:
        parsed.rejected.append(Rejection(line=reader.line_num or 1, reason=f"bad CSV: {error}"))
    if not parsed.accounts and not parsed.rejected:
        parsed.rejected.append(Rejection(line=1, reason="the file has no rows"))
    return parsed


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (account_number) DO UPDATE, in the database's own dialect."""
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(Account)
    return statement.on_conflict_do_update(
        index_elements=[Account.account_number],
        set_={column: statement.excluded[column] for column in ACCOUNT_COLUMNS[1:]},
    )


async def _existing(session: AsyncSession, numbers: list[str]) -> dict[str, int]:
    rows = await session.execute(
        select(Account.account_number, Account.id).where(Account.account_number.in_(numbers))
    )
    return {number: id_ for number, id_ in rows}


async def _write_batch(
    session: AsyncSession, parsed: Parsed, numbers: list[str], existing: dict[str, int]
) -> None:
    """Upsert a batch of accounts (one executemany, returning every account's id), then
    replace the services of those that existed before."""
    upsert = _upsert(session.get_bind().dialect.name).returning(Account.account_number, Account.id)
    accounts = [parsed.accounts[number]._asdict() for number in numbers]
    ids = {number: id_ for number, id_ in await session.execute(upsert, accounts)}
    if existing:
        await session.execute(delete(Service).where(Service.account_id.in_(existing.values())))
    services = [
        {"account_id": ids[number], **service._asdict()}
        for number in numbers
        for service in parsed.services[number]
    ]
    if services:
        await session.execute(insert(Service), services)


async def import_accounts(
    sessions: async_sessionmaker, parsed: Parsed, *, dry_run: bool
) -> ImportReport:
    """Write a checked file in one transaction (nothing on a dry run or any rejection)."""
    numbers = list(parsed.accounts)
    batches = [numbers[i : i + BATCH] for i in range(0, len(numbers), BATCH)]
    write = not dry_run and not parsed.rejected
    updated = 0
    async with sessions.begin() as session:
        for batch in batches:
            existing = await _existing(session, batch)
            updated += len(existing)
            if write:
                await _write_batch(session, parsed, batch, existing)
    return ImportReport(
        imported=write,
        dry_run=dry_run,
        accounts=len(numbers),
        created=len(numbers) - updated,
        updated=updated,
        services=parsed.service_count,
        rejected=parsed.rejected,
    )


def describe(report: ImportReport) -> str:
    """The report as the command line prints it: every rejected row, then the totals."""
    lines = [f"line {r.line}: {r.reason}" for r in report.rejected]
    outcome = (
        "imported"
        if report.imported
        else "nothing imported (dry run)"
        if not report.rejected
        else f"{len(report.rejected)} rows rejected; nothing imported"
    )
    lines.append(
        f"{report.accounts} accounts ({report.created} new, {report.updated} updated), "
        f"{report.services} services: {outcome}"
    )
    return "\n".join(lines)
