"""`flask user create` and `flask apikey create`; the publisher or advertiser a user or key belongs to is named."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.accounts.models import Role
from portal.accounts.service import AccountError, create_api_key, create_user
from portal.extensions import db
from portal.network.models import Advertiser, Publisher

user_cli = AppGroup("user", help="Manage portal users.")
apikey_cli = AppGroup("apikey", help="Manage API keys.")


def _organisation_id(model, name: str | None, role: str) -> int | None:
    if not name:
        return None
    found = db.session.scalar(select(model.id).where(model.name == name))
    if found is None:
        raise click.BadParameter(f"no {model.__name__.lower()} named {name!r}", param_hint=f"--{role}")
    return found


@user_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--publisher", help="Publisher name, for a publisher user.")
@click.option("--advertiser", help="Advertiser name, for an advertiser user.")
def create_user_command(role: str, email: str, password: str, publisher: str | None, advertiser: str | None) -> None:
    """Create a user who can sign in to the portal."""
    try:
        user = create_user(
            email,
            password,
            Role(role),
            publisher_id=_organisation_id(Publisher, publisher, "publisher"),
            advertiser_id=_organisation_id(Advertiser, advertiser, "advertiser"),
        )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@apikey_cli.command("create")
@click.option("--advertiser", help="Advertiser name; without it the key is a network (admin) key.")
@click.option("--name", default="CLI key", show_default=True)
def create_apikey_command(advertiser: str | None, name: str) -> None:
    """Create an API key and print it once; only its hash is stored."""
    key, secret = create_api_key(name, _organisation_id(Advertiser, advertiser, "advertiser"))
    db.session.commit()
    owner = f"advertiser {advertiser}" if advertiser else "the network"
    click.echo(f"API key {key.prefix}… for {owner}. Copy it now; it is not shown again:")
    click.echo(secret)
