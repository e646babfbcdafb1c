"""`tandem` command line: serve, doctor, migrate, demo, create-user, set-password, import-org,
vapid, push-dispatch, openapi, bench."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from server import db
from server.settings import Settings


def _run(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    """Run database work in one event loop, with the engine migrated and bound."""

    async def main() -> Any:
        engine = db.build_engine(settings)
        await db.migrate(engine)
        # The app's connections (on SQLite its one writer), closed again before the command
        # ends, so no thread outlives it.
        await db.open_pool(engine, 2)
        try:
            return await work()
        finally:
            await db.close_pool(engine)

    return asyncio.run(main())


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> None:
    _run(settings, lambda: asyncio.sleep(0))
    print("database is up to date")


def cmd_demo(settings: Settings, _: argparse.Namespace) -> None:
    from server import demo

    _run(settings, demo.seed)
    print("demo organisation ready; every account's password is", demo.DEMO_PASSWORD)


def _password(args: argparse.Namespace) -> str:
    password = os.environ.get("TANDEM_NEW_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < 10:
        sys.exit("the password must have at least 10 characters")
    return password


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> None:
    from server.auth import queries as auth_queries
    from server.core.security import hash_password
    from server.org import people_csv
    from server.org import queries as org_queries

    password = _password(args)
    line = ",".join([args.email, args.name, args.department, args.manager, ";".join(args.role)])
    rows, errors = people_csv.parse(
        "email,display_name,department,manager_email,roles\n" + line + "\n", max_rows=1
    )
    if errors:
        sys.exit("; ".join(f"{e.field}: {e.message}" for e in errors))

    async def work() -> None:
        await org_queries.import_people(rows, dry_run=False)
        person_id = (await org_queries.ids_by_email([args.email]))[args.email.lower()]
        await auth_queries.set_password(person_id, hash_password(password))

    _run(settings, work)
    print(f"{args.email} can now sign in")


def cmd_set_password(settings: Settings, args: argparse.Namespace) -> None:
    from server.auth import queries as auth_queries
    from server.core.security import hash_password
    from server.org import queries as org_queries

    password = _password(args)

    async def work() -> bool:
        ids = await org_queries.ids_by_email([args.email])
        if not ids:
            return False
        await auth_queries.set_password(next(iter(ids.values())), hash_password(password))
        return True

    if not _run(settings, work):
        sys.exit(f"nobody has the email {args.email}")
    print("password changed")


def cmd_import_org(settings: Settings, args: argparse.Namespace) -> None:
    from server.core.errors import ProblemError
    from server.org import service

    text = Path(args.file).read_text(encoding="utf-8-sig")
    try:
        result = _run(
            settings, lambda: service.import_people(text, args.dry_run, settings.max_import_rows)
        )
    except ProblemError as exc:
        for error in exc.errors or []:
            print(f"line {error['line']}: {error['field']}: {error['message']}", file=sys.stderr)
        sys.exit(exc.detail)
    print(json.dumps(result.model_dump()))


def cmd_vapid_init(settings: Settings, _: argparse.Namespace) -> None:
    """Create the Web Push key pair if there is none; print where it is and the public key
    (never the private one). Rotating it would end every device's subscription: not here."""
    from server.push.vapid import VapidIdentity, ensure_key_file

    path, created = ensure_key_file(settings)
    print(f"{'created' if created else 'kept'} {path}")
    print(f"public key: {VapidIdentity.from_settings(settings).application_server_key}")


def cmd_push_dispatch(settings: Settings, _: argparse.Namespace) -> None:
    from server.push.dispatcher import send_due

    print(f"{_run(settings, lambda: send_due(settings))} push deliveries attempted")


def cmd_openapi(settings: Settings, _: argparse.Namespace) -> None:
    from server.app import create_app

    print(
        json.dumps(
            create_app(settings).openapi_schema.to_schema(),
            indent=2,
            ensure_ascii=False,
            sort_keys=True,
            default=str,  # decimal defaults, as the served document writes them
        )
    )


def cmd_doctor(settings: Settings, _: argparse.Namespace) -> None:
    from server.core.doctor import examine

    findings = examine(settings)
    for finding in findings:
        print(f"{finding.level:<8} {finding.topic}: {finding.message}")
    if any(finding.level == "problem" for finding in findings):
        sys.exit(1)


def cmd_bench_seed(settings: Settings, args: argparse.Namespace) -> None:
    # The generator lives with the benchmarks, in a source checkout beside `server/`.
    checkout = Path(__file__).resolve().parent.parent
    if not (checkout / "benchmarks" / "organisation.py").exists():
        sys.exit("tandem bench needs a source checkout (its benchmarks/ folder)")
    sys.path.insert(0, str(checkout))
    from benchmarks import organisation

    try:
        result = _run(settings, lambda: organisation.seed(args.people, seed=args.seed))
    except ValueError as exc:
        sys.exit(str(exc))
    print(organisation.describe(result))


# Collections of the middle generation before the oldest is looked at (Python's default: 10).
OLDEST_GENERATION_AFTER = 100


def keep_out_of_collections() -> None:
    """Moves every object alive now (modules, the app, its models and routes: about 136,000)
    out of the garbage collector's reach for the process's life. Python's oldest generation
    is collected about once a second under load, and walking them took 80-100 ms each time,
    holding up every request in flight (docs/performance.md). Only for the serving process:
    objects frozen are never collected, so a process that builds and drops many apps (the
    tests) would keep each one.

    The oldest generation is then looked at after `OLDEST_GENERATION_AFTER` collections of
    the middle one instead of Python's 10. Under load, what the requests in flight hold is
    moved up to it at every collection of the middle one, so it came due every few seconds;
    each collection of it walks what the app keeps between requests (summaries, tops,
    asyncpg's prepared statements: about 100,000 objects and 700,000 references at 100,000
    people) and held up every request in flight for 50-90 ms, finding nothing to free
    (docs/performance.md)."""
    gc.collect()
    gc.freeze()
    youngest, middle, _ = gc.get_threshold()
    gc.set_threshold(youngest, middle, OLDEST_GENERATION_AFTER)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from server.app import create_app

    asyncio.run(db.migrate(db.build_engine(settings)))
    app = create_app(settings)
    keep_out_of_collections()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=False,
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="tandem", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then serve the API and the PWA")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(handler=cmd_serve)
    sub.add_parser(
        "doctor", help="check the settings for what is unsafe before going live"
    ).set_defaults(handler=cmd_doctor)
    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(
        handler=cmd_migrate
    )
    sub.add_parser("demo", help="create or refresh the demo organisation").set_defaults(
        handler=cmd_demo
    )
    create = sub.add_parser(
        "create-user",
        help="add a person who can sign in (password from a prompt or TANDEM_NEW_PASSWORD)",
    )
    create.add_argument("email")
    create.add_argument("--name", required=True)
    create.add_argument("--department", default="", help='a path such as "Sales/Field Sales East"')
    create.add_argument("--manager", default="", help="the manager's email")
    create.add_argument("--role", action="append", default=[], choices=["employee", "hr", "admin"])
    create.set_defaults(handler=cmd_create_user)
    password = sub.add_parser("set-password", help="set a person's password")
    password.add_argument("email")
    password.set_defaults(handler=cmd_set_password)
    org = sub.add_parser("import-org", help="create or update people from a CSV file")
    org.add_argument("file")
    org.add_argument("--dry-run", action="store_true")
    org.set_defaults(handler=cmd_import_org)
    vapid = sub.add_parser("vapid", help="the Web Push (VAPID) key pair")
    vapid.add_subparsers(dest="action", required=True).add_parser(
        "init", help="create the key pair if missing and print the public key"
    ).set_defaults(handler=cmd_vapid_init)
    sub.add_parser(
        "push-dispatch", help="send the push notifications due now, then exit"
    ).set_defaults(handler=cmd_push_dispatch)
    sub.add_parser("openapi", help="print the OpenAPI document").set_defaults(handler=cmd_openapi)
    bench = sub.add_parser("bench", help="benchmark data (see docs/performance.md)")
    seed = bench.add_subparsers(dest="action", required=True).add_parser(
        "seed", help="generate an organisation of N people with a year of history"
    )
    seed.add_argument("--people", type=int, required=True)
    seed.add_argument(
        "--seed", type=int, default=1, help="the random seed (same N and seed: same shape)"
    )
    seed.set_defaults(handler=cmd_bench_seed)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.handler(Settings(), args)


if __name__ == "__main__":
    main()
