"""The clinician console's pages and its JSON endpoints. Registered by `triage-line serve`
only (handler/tools/serve.py), on an app of its own mounted at /console beside the line:
the Lambda app never has these routes, and the line's rule that every POST is a signed
Twilio webhook stays whole. No authentication: it answers only on this machine."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from markupsafe import Markup

from handler.core.flow import Flow
from handler.core.nodes import QuestionNode
from handler.tools.console import diagram
from handler.tools.console.phone import BadRequest, DevPhone
from handler.tools.console.review import Reviews
from handler.tools.serve import is_loopback

blueprint = Blueprint("console", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


@dataclass
class Console:
    """What the pages work from: the dev phone (on the line app), its flow, where files are."""
    line_app: Any
    phone: DevPhone
    flow: Flow
    flows_dir: Path
    vignettes_dir: Path
    reviews: Reviews


def console() -> Console:
    return current_app.extensions["console"]


@blueprint.before_request
def only_from_this_machine():
    # The Host header names this machine (a page elsewhere cannot rebind its own name to
    # 127.0.0.1 and read the console), and no other site's page may post here.
    if not is_loopback(urlsplit(f"//{request.host}").hostname or ""):
        abort(403)
    if request.method == "POST":
        origin = request.headers.get("Origin")
        if request.headers.get("Sec-Fetch-Site") == "cross-site" or (
                origin and urlsplit(origin).netloc != request.host):
            abort(403)


def posted_json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


def language(flow: Flow) -> str:
    lang = request.args.get("lang", flow.languages[0])
    return lang if lang in flow.languages else flow.languages[0]


@blueprint.get("/")
def phone_page():
    flow = console().flow
    return render_template("phone.html", flow=flow, restart=flow.commands.words("restart", flow.languages[0])[0])


@blueprint.post("/api/sms")
def send_text():
    data = posted_json()
    try:
        return jsonify(console().phone.text(str(data.get("number", "")), str(data.get("body", ""))))
    except BadRequest as error:
        return jsonify(error=str(error)), 400


@blueprint.post("/api/call")
def call_turn():
    data = posted_json()
    try:
        return jsonify(console().phone.call(str(data.get("call_sid", "")), str(data.get("number", "")),
                                            str(data.get("action", "")), data.get("path"),
                                            str(data.get("said", ""))))
    except BadRequest as error:
        return jsonify(error=str(error)), 400


@blueprint.get("/api/session")
def stored_session():
    phone = console().phone
    from handler.infra.pseudonyms import pseudonym

    number = request.args.get("number", "")
    call_sid = request.args.get("call_sid", "")
    if call_sid:
        return jsonify(phone.session("call#" + pseudonym(phone.hash_key, call_sid), phone.calls))
    return jsonify(phone.session("sms#" + pseudonym(phone.hash_key, number), phone.texts))


@blueprint.get("/flow")
def flow_page():
    flow = console().flow
    lang = language(flow)
    checks_by_node: dict[str, list[str]] = {}
    for check in flow.checks_by_concept.values():
        asking = flow.asking_node(check.concept)
        if asking:
            checks_by_node.setdefault(asking, []).append(check.concept)
    return render_template("flow.html", flow=flow, lang=lang, svg=Markup(diagram.render_svg(flow, lang)),
                           node_text=lambda node_id: diagram.node_text(flow, node_id, lang),
                           QuestionNode=QuestionNode, checks_node=diagram.CHECKS_NODE,
                           colours={str(k.value) if k else "none": v for k, v in diagram.COLOURS.items()})


@blueprint.get("/flow.svg")
def flow_svg():
    flow = console().flow
    lang = language(flow)
    return Response(diagram.render_svg(flow, lang), mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="{flow.id}.{lang}.svg"'})


@blueprint.get("/review")
def review_page():
    state = console()
    return render_template("review.html", review=state.reviews.of(state.flow, state.flows_dir))


def vignette_files() -> list[str]:
    folder = console().vignettes_dir
    return sorted(p.name for p in folder.glob("*.json")) if folder.is_dir() else []


@blueprint.route("/vignettes", methods=["GET", "POST"])
def vignettes_page():
    from handler.tools.vignettes import run_on, summary

    files = vignette_files()
    chosen = request.form.get("file") if request.method == "POST" else None
    results: list[dict] | None = None
    if chosen is not None:
        if chosen not in files:
            abort(400)
        state = console()
        vignettes = json.loads((state.vignettes_dir / chosen).read_text(encoding="utf-8"))
        phone = state.phone
        results = run_on(state.line_app, phone.client, phone.hash_key, vignettes)
        # Failures first, then in the file's order.
        results.sort(key=lambda r: "expected" not in r or r["disposition"] == r["expected"])
    return render_template("vignettes.html", files=files, chosen=chosen, results=results,
                           summary=summary(results) if results is not None else None,
                           folder=console().vignettes_dir)
