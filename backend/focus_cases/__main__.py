"""Command line: serve, migrate, seed-demo, import-accounts, create-admin, release,
mail-sink, erase, purge."""

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from focus_cases import accounts_import, auth, cases, demo, erasure, logs, retention, staff
from focus_cases.app import create_app
from focus_cases.clock import Clock, fixed_from_env
from focus_cases.db import BACKEND_DIR, database_url, make_engine, migrate, sessionmaker
from focus_cases.mail import sink as mail_sink
from focus_cases.problems import ProblemError
from focus_cases.state import Settings
from focus_cases.stores import Stores

TOKEN_FILE = BACKEND_DIR / ".secrets" / "service_token"


def _service_token() -> str:
    """FOCUS_SERVICE_TOKEN, or in development a generated one kept in a git-ignored file."""
    token = os.environ.get("FOCUS_SERVICE_TOKEN")
    if token:
        return token
    token = auth.load_or_create_token(TOKEN_FILE)
    print(f"service token (FOCUS_SERVICE_TOKEN unset) is in {TOKEN_FILE}", flush=True)
    return token


def _with_sessions[T](work: Callable[[async_sessionmaker], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_engine(database_url())
        try:
            return await work(sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _now() -> datetime:
    return Clock(fixed_from_env()).now()


def _import_accounts(path: Path, dry_run: bool) -> int:
    """1 when any row is rejected (then nothing was imported)."""
    # utf-8-sig: spreadsheets often save CSV with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as file:
        parsed = accounts_import.parse(file)
    report = _with_sessions(
        lambda sessions: accounts_import.import_accounts(sessions, parsed, dry_run=dry_run)
    )
    print(accounts_import.describe(report))
    return 1 if report.rejected else 0


def _erase(account: str | None, reference: str | None, dry_run: bool) -> int:
    """1 when there is no such account or case."""
    actor = f"cli:{getpass.getuser()}"
    try:
        result = _with_sessions(
            lambda sessions: erasure.erase(
                sessions,
                Stores.from_env(),
                actor,
                _now(),
                account=account,
                reference=reference,
                dry_run=dry_run,
            )
        )
    except ProblemError as error:
        print(error.detail, file=sys.stderr)
        return 1
    print(("would erase " if dry_run else "erased ") + result.describe())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m focus_cases", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate to head, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="serve the schema as it is: replicas, after one `migrate` before them all",
    )
    commands.add_parser("migrate", help="upgrade the schema to head")
    commands.add_parser("seed-demo", help="load demo accounts into an empty database")
    accounts = commands.add_parser(
        "import-accounts", help="upsert accounts and their services from a CSV file"
    )
    accounts.add_argument("file", type=Path)
    accounts.add_argument("--dry-run", action="store_true", help="check the file, change nothing")
    admin = commands.add_parser("create-admin", help="create a staff user; prints a password")
    admin.add_argument("username")
    admin.add_argument("--role", choices=["admin", "agent"], default="admin")
    admin.add_argument(
        "--json", action="store_true", help="print the account as JSON (for scripts and tests)"
    )
    commands.add_parser("release", help="open queued cases that are due")
    sink = commands.add_parser(
        "mail-sink", help="a local SMTP server that writes each message to a folder"
    )
    sink.add_argument("--host", default="127.0.0.1")
    sink.add_argument("--port", type=int, default=2525)
    sink.add_argument("--dir", type=Path, default=BACKEND_DIR / "var" / "mail")
    erase = commands.add_parser(
        "erase", help="UK GDPR erasure: anonymise the cases, delete the conversations"
    )
    which = erase.add_mutually_exclusive_group(required=True)
    which.add_argument("--account", help="every case of this account number (FG...)")
    which.add_argument("--reference", help="one case (FG-...)")
    erase.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")
    commands.add_parser("purge", help="age out what is past its retention period")
    args = parser.parse_args(argv)

    logs.configure()
    if args.command == "mail-sink":
        mail_sink.serve(args.dir, args.host, args.port)
        return 0
    url = database_url()
    if args.command == "serve":
        if not args.no_migrate:
            migrate(url)
        app = create_app(Settings.from_env(_service_token()))
        web.run_app(app, host=args.host, port=args.port, access_log=None)
    elif args.command == "migrate":
        migrate(url)
    elif args.command == "seed-demo":
        migrate(url)
        loaded = _with_sessions(demo.seed)
        print("demo accounts loaded" if loaded else "accounts exist; demo data not loaded")
    elif args.command == "import-accounts":
        migrate(url)
        return _import_accounts(args.file, args.dry_run)
    elif args.command == "create-admin":
        migrate(url)
        try:
            password = _with_sessions(
                lambda sessions: staff.create_staff(sessions, args.username, args.role, _now())
            )
        except IntegrityError:
            print(f"a staff user {args.username!r} already exists", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps({"username": args.username, "role": args.role, "password": password}))
        else:
            print(f"created {args.role} {args.username!r}; one-time password: {password}")
            print("(the first login must replace it with a password of their own)")
    elif args.command == "release":
        released = _with_sessions(lambda sessions: cases.release_due(sessions, _now()))
        print(f"released {released} cases")
    elif args.command == "erase":
        migrate(url)
        return _erase(args.account, args.reference, args.dry_run)
    elif args.command == "purge":
        migrate(url)
        purged = _with_sessions(
            lambda sessions: retention.purge(
                sessions, Stores.from_env(), retention.Retention.from_env(), _now()
            )
        )
        print(f"purged {erasure.counted(purged)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
