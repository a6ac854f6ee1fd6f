"""Demo data: clearly fictional customers (loaded by `seed-demo`, never by a migration)."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from focus_cases.models import Account, Service

# (account number, company, contact, e-mail (the reserved .example domain) or None, postcode,
#  [(product, description, tariff, price, start, end)])
DEMO_ACCOUNTS = [
    (
        "FG004521",
        "Example Bakery Ltd (demo)",
        "Alex Example",
        "alex@bakery.example",
        "BN43 6ZZ",
        [
            (
                "Data Connectivity",
                "FTTP broadband 500 Mbps",
                "Business Fibre 500",
                "49.00",
                date(2024, 3, 1),
                date(2027, 2, 28),
            ),
            (
                "Fixed Line Voice Calls & Lines",
                "2 analogue lines",
                "Business Lines Plus",
                "36.50",
                date(2023, 6, 1),
                date(2026, 5, 31),
            ),
        ],
    ),
    (
        "FG001234",
        "Sample Surveyors LLP (demo)",
        "Sam Sample",
        "sam@surveyors.example",
        "RH10 9ZZ",
        [
            (
                "On Premise and Hosted Telephone Systems",
                "Hosted PBX, 12 seats",
                "Cloud Voice 12",
                "180.00",
                date(2025, 1, 15),
                date(2028, 1, 14),
            ),
            (
                "Mobile Voice Calls & Lines",
                "5 SIMs, 30 GB each",
                "Mobile Pro 30",
                "75.00",
                date(2025, 9, 1),
                date(2027, 8, 31),
            ),
        ],
    ),
    (
        "FG009876",
        "Placeholder Plumbing Co (demo)",
        "Pat Placeholder",
        None,  # no e-mail address: the bot and the console show what happens then
        "SW1A 9ZZ",
        [
            (
                "Data Connectivity",
                "Leased line 100 Mbps",
                "Ethernet 100",
                "295.00",
                date(2022, 11, 1),
                date(2025, 10, 31),
            ),
        ],
    ),
]


async def seed(sessions: async_sessionmaker) -> bool:
    """Load the demo accounts into an empty database; False when accounts exist."""
    async with sessions.begin() as session:
        if await session.scalar(select(func.count()).select_from(Account)):
            return False
        for number, company, contact, email, postcode, services in DEMO_ACCOUNTS:
            session.add(
                Account(
                    account_number=number,
                    company_name=company,
                    contact_name=contact,
                    email=email,
                    postcode=postcode,
                    services=[
                        Service(
                            product=product,
                            description=description,
                            tariff_name=tariff,
                            monthly_price=Decimal(price),
                            contract_start=start,
                            contract_end=end,
                        )
                        for product, description, tariff, price, start, end in services
                    ],
                )
            )
    return True
