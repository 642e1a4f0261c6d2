"""What AWS Lambda runs.

Zappa copies its own handler.py to the zip's root and points Lambda at
`handler.lambda_handler`. This project's package is also named `handler`, and
a package wins over a module of the same name, so Lambda would never find
Zappa's file. zappa_settings.json therefore names this module as both the
Lambda handler and the app: Zappa's own lambda_handler (imported from the
zappa package, which the zip carries) turns API Gateway events into WSGI
requests for the app built here once per cold start.
"""
from zappa.handler import lambda_handler  # noqa: F401  (the function Lambda calls)

from handler.app import create_app
from handler.infra import secrets
from handler.infra.settings import Settings

# Settings from the function's environment, the secrets from SSM (or Secrets Manager) when it
# names them, once per cold start; a missing one (PUBLIC_BASE_URL included: the forwarded
# headers behind API Gateway are the client's word) fails the cold start by name.
app = create_app(Settings.from_env(public_base_url_required=True, secrets=secrets.fetch))
