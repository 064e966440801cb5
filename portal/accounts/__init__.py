"""Users, sign-in, roles and API keys."""
from portal.accounts.cli import apikey_cli, user_cli
from portal.accounts.views import bp

blueprints = (bp,)
commands = (user_cli, apikey_cli)
