"""`flask users create-token`: a token for scripts, printed once, usable at once, hashed at rest."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import ApiToken


def test_create_token_prints_a_working_secret(runner, app, client, member):
    db.session.commit()
    result = runner.invoke(args=["users", "create-token", member.email, "--name", "CRM", "--scope", "write"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("cci_")
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == member.id))
    assert token.name == "CRM" and secret not in (token.token_hash, token.prefix)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.get_json()


def test_create_token_refuses_unknown_accounts_and_bad_names(runner, app, member):
    db.session.commit()
    unknown = runner.invoke(args=["users", "create-token", "nobody@example.org", "--name", "CRM"])
    assert unknown.exit_code != 0 and "no account" in unknown.output
    nameless = runner.invoke(args=["users", "create-token", member.email, "--name", "  "])
    assert nameless.exit_code != 0
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0
