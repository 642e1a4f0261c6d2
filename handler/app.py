"""The Flask application factory: settings, flows and store are made once here
and handed to the routes; nothing lives at module level for tests to patch."""
from __future__ import annotations

import logging

from flask import Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from handler.channels.sms import webhook as sms_webhook
from handler.channels.voice import webhook as voice_webhook
from handler.infra import logs, secrets, signature
from handler.infra.flow_files import load_flows
from handler.infra.settings import Settings
from handler.infra.store import SessionStore, dynamodb_client
from handler.infra.twilio_ids import CALL_SID, MESSAGE_SID
from handler.line import Line

DEFAULT_FLOW = "muscle-spasms"
MAX_REQUEST_BYTES = 64 * 1024        # Twilio's webhook bodies are a few KB
CALL_TTL_SECONDS = 2 * 60 * 60       # a call's state is of no use once the call is over
# The id each channel's webhooks must carry, well formed (blueprint name: parameter, shape).
WEBHOOK_IDS = {"sms": ("MessageSid", MESSAGE_SID), "voice": ("CallSid", CALL_SID)}


def create_app(settings: Settings | None = None, store: SessionStore | None = None,
               flows: dict | None = None) -> Flask:
    logs.configure()
    # with no settings handed in: the environment's, and the secrets from AWS if it says where they are
    settings = settings or Settings.from_env(secrets=secrets.fetch)
    flows = flows or load_flows(settings.flows_dir, check_schema=False)   # proved by validate before deploy
    if store is None:
        store = SessionStore(dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url),
                             settings.sessions_table, settings.session_ttl_seconds)

    app = Flask("handler")
    app.config.update(SETTINGS=settings, MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, PROPAGATE_EXCEPTIONS=False)
    app.extensions["triage_line"] = Line(flows[DEFAULT_FLOW], store, settings.max_messages_per_hour)
    app.extensions["triage_call"] = Line(flows[DEFAULT_FLOW], store.with_ttl(CALL_TTL_SECONDS))

    @app.before_request
    def check_request():
        # every POST route is a Twilio webhook: signed, for our account, with its id well formed
        if request.method != "POST":
            return
        refused = signature.refusal(request, settings, WEBHOOK_IDS.get(request.blueprint or ""))
        if refused:
            logs.event(refused, path=request.path)     # the event's name only: no sid, no number
            abort(403)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", flow=DEFAULT_FLOW, version=flows[DEFAULT_FLOW].version)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return Response(f"{error.code} {error.name}\n", status=error.code, mimetype="text/plain")

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        logs.event("error", level=logging.ERROR, path=request.path, error=type(error).__name__)
        return Response("500 Internal Server Error\n", status=500, mimetype="text/plain")

    app.register_blueprint(sms_webhook.blueprint)
    app.register_blueprint(voice_webhook.blueprint)
    return app
