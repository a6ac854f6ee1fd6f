"""UK GDPR erasure and retention against real stores: the case database (SQLite and
PostgreSQL), Rasa's SQL tracker store as Rasa itself writes it, and the bot's outbox
as bot.actions.outbox writes it (both made once per run by bot/.venv's Python, then
copied into each test's database).

"Leaves nothing" is checked by reading every text column of every table of every store.
The accounts and services tables are excluded: they are the billing system's copy of
the customer's contract (re-imported from it), which erasure does not touch.
"""

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from aiohttp.test_utils import TestClient
from conftest import (
    BEARER,
    OPEN_TIME,
    MakeClient,
    MovableClock,
    create,
    fault_case,
    staff_login,
)
from sqlalchemy.ext.asyncio import create_async_engine

from focus_cases import erasure, redaction, retention
from focus_cases.models import AuditEntry, Case
from focus_cases.retention import Retention
from focus_cases.state import SESSIONS
from focus_cases.stores import Stores

ROOT = Path(__file__).resolve().parents[2]
NOW = OPEN_TIME.timestamp()
DAY = 24 * 3600

SAM = {
    "name": "Sam Patel",
    "phone": "07700 900123",
    "email": "sam.patel@example.org",
    "postcode": "BN43 6ZZ",
    "account": "FG004521",
    "words": "the router in the back office flashes amber",
}
PRIYA = {
    "name": "Priya Shah",
    "phone": "07700 900456",
    "email": "priya@example.net",
    "postcode": "RH10 9ZZ",
    "account": "FG001234",
    "words": "the phone system drops calls after lunch",
}


def _said(who: dict[str, str]) -> list[tuple[str, str | None]]:
    """What the customer typed, and the entity the whole message is, if one."""
    return [
        (who["words"], None),
        (who["account"], "account_number"),
        (who["postcode"], "postcode"),
        (who["phone"], "phone"),
        (f"I'm {who['name'].split()[0]}, mail {who['email']}", None),
    ]


SPEC = {
    "conversations": {
        "conv-sam": {
            "at": NOW - 3600,
            "said": _said(SAM),
            "slots": {
                "contact_name": SAM["name"],
                "account": {"account_number": SAM["account"], "postcode": SAM["postcode"]},
                "fact_phone": "0345 000 0000",
            },
        },
        "conv-sam-2": {"at": NOW - 1800, "said": _said(SAM), "slots": {}},
        "conv-priya": {
            "at": NOW - 600,
            "said": _said(PRIYA),
            "slots": {"contact_phone": PRIYA["phone"]},
        },
        "conv-91-days": {"at": NOW - 91 * DAY, "said": [("hello", None)], "slots": {}},
        "conv-89-days": {"at": NOW - 89 * DAY, "said": [("hello", None)], "slots": {}},
    },
    "outbox": {
        "conv-sam:fault:1": {
            "kind": "fault",
            "conversation_id": "conv-sam",
            "account_number": SAM["account"],
            "postcode": SAM["postcode"],
            "customer_words": SAM["words"],
        },
        "conv-elsewhere:callback:1": {
            "kind": "callback",
            "conversation_id": "conv-elsewhere",
            "account_number": "fg 004521",
            "postcode": SAM["postcode"].lower(),
            "customer_words": f"please ring {SAM['phone']}",
        },
        "unreadable": f"{{not json {SAM['account']} {SAM['name']}",
        "conv-priya:fault:1": {
            "kind": "fault",
            "conversation_id": "conv-priya",
            "account_number": PRIYA["account"],
            "postcode": PRIYA["postcode"],
            "customer_words": PRIYA["words"],
        },
    },
}


SAM_ENTRY = SPEC["outbox"]["conv-sam:fault:1"]


@pytest.fixture(scope="session")
def bot_stores_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rasa's tracker store and the bot's outbox, written by the bot's own code."""
    folder = tmp_path_factory.mktemp("bot-stores")
    (folder / "spec.json").write_text(json.dumps(SPEC))
    subprocess.run(
        [
            str(ROOT / "bot" / ".venv" / "bin" / "python"),
            str(Path(__file__).with_name("make_bot_stores.py")),
            str(folder / "spec.json"),
            str(folder),
        ],
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        timeout=300,
    )
    return folder


async def _reflect(url: str) -> tuple[sa.MetaData, dict[str, list[dict[str, Any]]]]:
    """Every table of a database, and their rows."""
    metadata = sa.MetaData()
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
        rows = {
            table.name: [dict(row) for row in (await connection.execute(table.select())).mappings()]
            for table in metadata.sorted_tables
        }
    await engine.dispose()
    return metadata, rows


async def _copy_tables(source: Path, url: str, *, drop: bool = False) -> None:
    """Every table of a SQLite file, schema and rows, into the database at ``url``
    (``drop``: instead take them out of it again)."""
    metadata, rows = await _reflect(f"sqlite+aiosqlite:///{source}")
    writer = create_async_engine(url)
    async with writer.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        if not drop:
            await connection.run_sync(metadata.create_all)
            for table in metadata.sorted_tables:
                if rows[table.name]:
                    await connection.execute(table.insert(), rows[table.name])
    await writer.dispose()


@pytest.fixture
async def stores(
    database_url: str, bot_stores_template: Path, tmp_path: Path
) -> AsyncIterator[Stores]:
    """This test's copy of the bot's stores: files beside a SQLite case database, tables
    in the same PostgreSQL database (dropped after the test: the case service's tests
    expect only its own tables there)."""
    names = ("tracker.db", "outbox.db")
    if database_url.startswith("sqlite"):
        for name in names:
            shutil.copy(bot_stores_template / name, tmp_path / name)
        yield Stores(
            tracker=f"sqlite:///{tmp_path / 'tracker.db'}",
            outbox=f"sqlite:///{tmp_path / 'outbox.db'}",
        )
        return
    for name in names:
        await _copy_tables(bot_stores_template / name, database_url)
    yield Stores(tracker=database_url, outbox=database_url)
    for name in names:
        await _copy_tables(bot_stores_template / name, database_url, drop=True)


NEVER = Retention(transcript_days=100_000, closed_case_years=1000)
"""For tests of erasure: the app's startup purge must not touch their data."""


@pytest.fixture
async def client(make_client: MakeClient, stores: Stores) -> TestClient:
    return await make_client(stores=stores, retention=NEVER)


async def _texts(url: str) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text, string and JSON value of every table."""
    if url.startswith("sqlite:///"):  # the bot's stores' URLs name no driver
        url = url.replace("sqlite:///", "sqlite+aiosqlite:///", 1)
    metadata, rows = await _reflect(url)
    return [
        (table.name, column.name, value if isinstance(value, str) else json.dumps(value))
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.String | sa.Text | sa.JSON)
        for row in rows[table.name]
        if (value := row[column.name]) is not None
    ]


async def _everywhere(database_url: str, stores: Stores) -> list[tuple[str, str, str]]:
    urls = dict.fromkeys([database_url, stores.tracker, stores.outbox])
    texts = [t for url in urls if url for t in await _texts(url)]
    return [t for t in texts if t[0] not in ("accounts", "services")]


def _traces(who: dict[str, str]) -> list[str]:
    """What must not be left, in the forms it may be stored in."""
    return [
        who["name"],
        who["name"].split()[1],
        who["phone"],
        who["phone"].replace(" ", ""),
        who["email"],
        who["postcode"],
        who["postcode"].replace(" ", ""),
        who["account"],
        who["words"],
    ]


def _left(texts: list[tuple[str, str, str]], who: dict[str, str]) -> list[tuple[str, str, str]]:
    return [
        (table, column, value)
        for table, column, value in texts
        for trace in _traces(who)
        if trace.lower() in value.lower()
    ]


def _case(who: dict[str, str], conversation: str, **overrides: Any) -> dict[str, Any]:
    fields = {
        "customer_words": f"{who['words']}; mail {who['email']}",
        "account_number": who["account"],
        "postcode": who["postcode"],
        "contact_name": who["name"],
        "contact_phone": who["phone"],
        "conversation_id": conversation,
        "details": {
            "service": "Data Connectivity",
            "description": f"{who['name']} says {who['words']}",
            "since": "08:00",
        },
    }
    return fault_case(**{**fields, **overrides})


async def _customers(client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    """Sam's cases in two conversations, a note to staff about Sam's refused
    submission, a staff note, failed verifications; Priya's case. Their references."""
    references = {}
    for name, body in [
        ("sam", _case(SAM, "conv-sam")),
        ("sam-2", _case(SAM, "conv-sam-2", kind="cancellation", details={
            "services": ["Data Connectivity"], "effective_date": "2026-12-31",
            "reason": f"moving; ask {SAM['name']}",
        })),
        ("sam-attention", {
            "kind": "general",
            "customer_words": SAM["words"],
            "conversation_id": "conv-sam",
            "details": {"summary": f"NEEDS ATTENTION. As sent: {json.dumps(SAM_ENTRY)}"},
        }),
        ("priya", _case(PRIYA, "conv-priya")),
    ]:  # fmt: skip
        status, created = await create(client, body)
        assert status == 201, created
        references[name] = created["reference"]
    note = {"text": f"{SAM['name']} rang from {SAM['phone']}"}
    response = await client.post(f"/api/cases/{references['sam']}/notes", json=note, headers=admin)
    assert response.status == 201
    wrong = {"account_number": SAM["account"], "postcode": "ZZ1 1ZZ", "conversation_id": "conv-sam"}
    response = await client.post("/api/verify", json=wrong, headers=BEARER)
    assert response.status == 404
    return references


async def _erase(client: TestClient, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post("/api/admin/erasures", json=body, headers=admin)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_erasing_an_account_leaves_nothing_of_it_in_any_store(
    client: TestClient, database_url: str, stores: Stores
) -> None:
    admin = await staff_login(client)
    references = await _customers(client, admin)
    assert _left(await _everywhere(database_url, stores), SAM)  # the scan sees them

    dry = await _erase(client, admin, account_number="fg 004521", dry_run=True)
    assert _left(await _everywhere(database_url, stores), SAM)
    result = await _erase(client, admin, account_number="fg 004521")

    expected = {"cases": 3, "conversations": 2, "outbox_entries": 3, "failed_attempts": 3}
    assert {k: result[k] for k in expected} == expected
    assert {k: dry[k] for k in expected} == expected
    texts = await _everywhere(database_url, stores)
    audit_entry = ("audit_log", "target", f"account {SAM['account']}")
    assert [t for t in _left(texts, SAM) if t != audit_entry] == []
    assert _left(texts, PRIYA), "another customer's data must stay"

    case = await (await client.get(f"/api/cases/{references['sam-2']}", headers=admin)).json()
    assert case["customer_words"] == erasure.ERASED
    assert case["details"] == {"effective_date": "2026-12-31"}
    assert (case["kind"], case["status"], case["reference"]) == (
        "cancellation", "open", references["sam-2"],
    )  # fmt: skip
    assert case["events"][-1]["event"] == "erased"

    async with client.app[SESSIONS]() as session:
        entry = await session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "erased"))
    assert entry is not None
    assert entry.detail == "3 cases, 2 conversations, 3 outbox entries, 3 failed attempts"

    again = await _erase(client, admin, account_number=SAM["account"])
    assert {k: again[k] for k in expected} == dict.fromkeys(expected, 0)


async def test_erasing_a_case_leaves_nothing_of_it_and_keeps_the_rest(
    client: TestClient, database_url: str, stores: Stores
) -> None:
    admin = await staff_login(client)
    references = await _customers(client, admin)
    result = await _erase(client, admin, reference=references["priya"].lower())
    assert result["summary"] == "1 case, 1 conversation, 1 outbox entry, 0 failed attempts"
    texts = await _everywhere(database_url, stores)
    assert _left(texts, PRIYA) == []
    assert _left(texts, SAM), "another customer's data must stay"


async def test_erasure_refuses_anyone_but_an_admin_and_bad_requests(
    client: TestClient, make_client: MakeClient
) -> None:
    admin = await staff_login(client)
    body = {"reference": "FG-00000000"}
    assert (await client.post("/api/admin/erasures", json=body)).status == 403  # no CSRF
    for bad in [{}, {"reference": "FG-1", "account_number": "FG004521"}, {"reference": 1}]:
        response = await client.post("/api/admin/erasures", json=bad, headers=admin)
        assert response.status == 422, bad
        assert response.content_type == "application/problem+json"
    for unknown in [{"reference": "FG-00000000"}, {"account_number": "FG999999"}]:
        response = await client.post("/api/admin/erasures", json=unknown, headers=admin)
        assert response.status == 404
        assert response.content_type == "application/problem+json"

    other = await make_client()  # no session yet: anonymous
    assert (await other.post("/api/admin/erasures", json=body)).status == 401
    agent = await staff_login(other, "agent")
    response = await other.post("/api/admin/erasures", json=body, headers=agent)
    assert response.status == 403
    response = await other.post("/api/admin/erasures", json=body, headers=BEARER)
    assert response.status == 403


async def _age(client: TestClient, reference: str, status: str, updated: Any) -> None:
    async with client.app[SESSIONS].begin() as session:
        await session.execute(
            sa.update(Case)
            .where(Case.reference == reference)
            .values(status=status, updated_at=updated)
        )


async def _conversations(stores: Stores) -> set[str]:
    return {t[2] for t in await _texts(stores.tracker or "") if t[:2] == ("events", "sender_id")}


async def test_purge_ages_out_exactly_what_is_past_its_period(
    client: TestClient, stores: Stores, clock: MovableClock
) -> None:
    admin = await staff_login(client)
    references = await _customers(client, admin)
    six_years_ago = OPEN_TIME.replace(year=OPEN_TIME.year - 6).astimezone(UTC)
    await _age(client, references["sam"], "closed", six_years_ago - timedelta(days=1))
    await _age(client, references["sam-2"], "resolved", six_years_ago - timedelta(minutes=1))
    await _age(client, references["sam-attention"], "open", six_years_ago - timedelta(days=9))
    await _age(client, references["priya"], "closed", six_years_ago + timedelta(days=1))

    purged = await retention.purge(client.app[SESSIONS], stores, Retention(), clock.now())

    assert purged == retention.Purge(conversations=1, cases=2)
    assert "conv-91-days" not in await _conversations(stores)
    assert {"conv-89-days", "conv-sam", "conv-priya"} <= await _conversations(stores)
    words = {}
    for name, reference in references.items():
        case = await (await client.get(f"/api/cases/{reference}", headers=admin)).json()
        words[name] = case["customer_words"]
    assert words["sam"] == words["sam-2"] == erasure.ERASED
    assert words["sam-attention"] == SAM["words"]  # still open
    assert PRIYA["words"] in words["priya"]  # closed under six years ago

    again = await retention.purge(client.app[SESSIONS], stores, Retention(), clock.now())
    assert again == retention.Purge()


async def test_the_service_purges_at_startup(make_client: MakeClient, stores: Stores) -> None:
    await make_client(stores=stores, retention=Retention())
    for _ in range(100):
        if "conv-91-days" not in await _conversations(stores):
            break
        await asyncio.sleep(0.1)
    assert "conv-91-days" not in await _conversations(stores)
    assert "conv-89-days" in await _conversations(stores)


# --- the story export ------------------------------------------------------------------


def _shape(story: str) -> list[list[str]]:
    """Each step's keys, intent and action: what `rasa test` checks."""
    steps = yaml.safe_load(story)["stories"][0]["steps"]
    return [[*step, str(step.get("intent")), str(step.get("action"))] for step in steps]


def test_a_saved_story_keeps_no_personal_data_and_stays_a_valid_story(
    bot_stores_template: Path, tmp_path: Path
) -> None:
    story = (bot_stores_template / "conv-sam.yml").read_text()
    personal = {**SAM, "words": SAM["email"]}  # the customer's words are kept
    assert len(_left([("story", "", story)], personal)) >= 6  # Rasa's story has them all
    redacted = redaction.redact_story(story)

    assert _left([("story", "", redacted)], personal) == []
    assert SAM["words"] in redacted
    assert "- story: conv-sam" in redacted
    assert "I'm Alex" in redacted  # the first name alone, as the customer gave it
    assert "0345 000 0000" in redacted  # the company's own number is not the customer's
    assert _shape(redacted) == _shape(story)
    (tmp_path / "story.yml").write_text(redacted)
    read = subprocess.run(
        [
            str(ROOT / "bot" / ".venv" / "bin" / "python"),
            "-c",
            "import sys; from rasa.shared.core.training_data.story_reader.yaml_story_reader "
            "import YAMLStoryReader; "
            "events = YAMLStoryReader().read_from_file(sys.argv[1])[0].events; "
            "print(len(events), sum(len(getattr(e, 'entities', None) or []) for e in events))",
            str(tmp_path / "story.yml"),
        ],
        cwd=ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert read.returncode == 0, read.stderr
    # Five turns (three of them tagged with an entity) and three slots, as before.
    assert read.stdout.split()[-2:] == ["8", "3"]


@pytest.mark.parametrize(
    ("said", "redacted"),
    [
        ("ring +44 7700 900123 or 020-7946-0123", "ring +44 7700 900000 or 077-0090-0000"),
        ("account fg 004521, postcode bn436zz", "account FG000000, postcode ZZ99 9ZZ"),
        ("mail Sam.Patel+bills@mail.example.co.uk", "mail customer@example.com"),
        ("SAM PATEL here; Patel's the surname", "Alex Example here; Alex's the surname"),
        ("case FG-20261125, 10:30 on 25/11/2026", "case FG-20261125, 10:30 on 25/11/2026"),
    ],
)
def test_redaction_replaces_each_kind_of_personal_data(said: str, redacted: str) -> None:
    assert redaction.redact_text(said, ["Sam Patel", "Patel"]) == redacted


# --- the privacy notice ----------------------------------------------------------------


async def test_the_privacy_notice_states_the_retention_the_service_applies(
    make_client: MakeClient,
) -> None:
    client = await make_client(retention=Retention(transcript_days=45, closed_case_years=7))
    response = await client.get("/privacy")
    assert response.status == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    page = await response.text()
    assert "45 days after your last message" in page
    assert "then 7 years" in page
    assert "1 hour" in page  # failed verifications (verification.KEEP)
    widget = await (await client.get("/static/widget.js")).text()
    assert 'BASE + "privacy"' in widget
