"""Schemathesis fuzzes the API from its own OpenAPI document, through WSGI, on an app with the demo data.

Checks on every answer: no 5xx, the body matches the documented schema, the status code is documented; and a
custom check: a write operation that refuses its input (4xx) changes nothing in the database. Bounded in time
(few examples per operation, no shrinking) and reproducible (``derandomize``): part of the default test run."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from marketplace import create_app
from marketplace.extensions import db

OPENAPI = "/api/v1/openapi.json"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
EXAMPLES = {GenerationMode.POSITIVE: int(os.environ.get("FUZZ_EXAMPLES", "12")),
            GenerationMode.NEGATIVE: int(os.environ.get("FUZZ_NEGATIVE_EXAMPLES", "8"))}
UNWATCHED_TABLES = {"api_token", "alembic_version"}  # last_used_at moves on reads; not the data under test

pytestmark = pytest.mark.no_db  # its own app and database: not the rolled-back session of the other tests


@dataclass
class Instance:
    app: object
    headers: dict[str, dict[str, str]]
    stats: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """An app on its own SQLite file, migrated, with the demo data and tokens for a member and a moderator."""
    from flask_migrate import upgrade

    from marketplace.demo import MEMBER_EMAIL, load_demo
    from marketplace.models import Role, User
    from marketplace.services import api_tokens

    root = tmp_path_factory.mktemp("fuzz")
    previous = os.environ.get("MARKETPLACE_INSTANCE_PATH")
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(root / "instance")
    try:
        app = create_app({
            "TESTING": True, "ENV": "development", "SECRET_KEY": "fuzz-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'fuzz.sqlite3'}", "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False, "MAIL_SERVER": "localhost", "SERVER_NAME": "localhost",
            "SEARCH_INDEX_PATH": str(root / "search-index"), "SEARCH_AUTO_REBUILD": "sync",
        })
    finally:
        if previous is None:
            os.environ.pop("MARKETPLACE_INSTANCE_PATH", None)
        else:
            os.environ["MARKETPLACE_INSTANCE_PATH"] = previous
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        member = User.by_email(MEMBER_EMAIL)
        moderator = db.session.scalar(sa.select(User).where(User.role == Role.MODERATOR).order_by(User.id))
        secrets = {
            "read": api_tokens.create_token(member, "fuzz read", "read")[1],
            "write": api_tokens.create_token(member, "fuzz write", "write")[1],
            "moderator": api_tokens.create_token(moderator, "fuzz moderation", "write")[1],
        }
        db.session.commit()
    yield Instance(app, {name: {"Authorization": f"Bearer {raw}"} for name, raw in secrets.items()})
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def snapshot() -> dict[str, str]:
    """A fingerprint of every watched table's rows."""
    prints = {}
    for table in db.metadata.sorted_tables:
        if table.name in UNWATCHED_TABLES:
            continue
        digest = hashlib.sha256()
        for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
        prints[table.name] = digest.hexdigest()
    db.session.rollback()
    return prints


def _token_for(operation) -> str:
    if "/moderation" in operation.path:
        return "moderator"
    return "write" if operation.method.upper() in WRITE_METHODS else "read"


def _fuzz_operation(instance: Instance, operation, mode: GenerationMode) -> int:
    """Run the examples of one operation in one mode; the number of examples sent."""
    headers = instance.headers[_token_for(operation)]
    is_write = operation.method.upper() in WRITE_METHODS
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance]
    sent = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES[mode], deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        before = snapshot() if is_write else None
        response = case.call(headers=headers)
        sent.append(1)
        case.validate_response(response, checks=checks, headers=headers)
        if is_write and response.status_code >= 400:
            with instance.app.app_context():
                after = snapshot()
            changed = [name for name in before if before[name] != after.get(name)]
            assert not changed, (f"{case.operation.label} answered {response.status_code} but changed "
                                 f"{changed}: {case.as_curl_command(headers=headers)}")

    with instance.app.app_context():
        run()
    return len(sent)


def test_fuzz_the_api(instance):
    schema = schemathesis.openapi.from_wsgi(OPENAPI, instance.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI document lists no operation"
    failures, examples = [], 0
    for operation in operations:
        modes = [GenerationMode.POSITIVE]
        if operation.method.upper() in WRITE_METHODS or operation.query or operation.path_parameters:
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            try:
                examples += _fuzz_operation(instance, operation, mode)
            except Exception as exc:  # noqa: BLE001 (every operation is run, all failures reported)
                failures.append(f"{operation.label} [{mode.value}]: {type(exc).__name__}: {str(exc)[:2000]}")
    print(f"\nschemathesis: {len(operations)} operations fuzzed, {examples} examples sent, "
          f"{len(failures)} failing")
    for op in operations:
        print(f"  {op.label}")
    assert not failures, "\n\n".join(failures)
