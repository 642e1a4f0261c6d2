"""The `triage-line` command."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from handler.infra.flow_files import flow_files
from handler.infra.settings import Settings, SettingsError


def plain_settings() -> Settings:
    """The settings for a command that answers no patient: the secrets are not needed."""
    return Settings.from_env(require_secrets=False)


def cmd_validate(args: argparse.Namespace) -> int:
    from handler.checks.validation import validate

    flows_dir = plain_settings().flows_dir
    paths = [Path(p) for p in args.files] or flow_files(flows_dir)
    if not paths:
        print(f"no flow files in {flows_dir}", file=sys.stderr)
        return 1
    reports = validate(paths, flows_dir)
    failed = False
    for report in reports:
        if args.segments:
            for sent in sorted(report.messages, key=lambda m: -m.segments):
                print(f"{sent.segments} segment(s) {sent.language} {sent.encoding:5} {len(sent.text):4} chars  "
                      f"{sent.text[:70]!r}")
        if report.ok:
            print(f"ok {report.file}: {report.nodes} nodes, {report.paths} answer paths, longest path "
                  f"{report.longest_turns} patient messages and {report.longest_messages} replies, "
                  f"longest reply {report.longest_reply} segments")
        else:
            failed = True
            for problem in report.problems:
                print(problem)
    return 1 if failed else 0


def cmd_chat(args: argparse.Namespace) -> int:
    from handler.tools.chat import chat

    return chat(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from handler.tools.serve import serve

    return serve(args.host, args.port)


def cmd_vignettes(args: argparse.Namespace) -> int:
    from handler.tools.vignettes import run_file

    return run_file(Path(args.file), sys.stdout, sys.stderr)


def cmd_diagram(args: argparse.Namespace) -> int:
    from handler.infra.flow_files import load_flows
    from handler.tools.console.diagram import render_svg

    flows = load_flows(plain_settings().flows_dir)
    flow = flows[args.flow] if args.flow else next(iter(flows.values()))
    lang = args.lang or flow.languages[0]
    if lang not in flow.languages:
        print(f"flow {flow.id} speaks {', '.join(flow.languages)}, not {lang}", file=sys.stderr)
        return 1
    svg = render_svg(flow, lang)
    if args.output:
        Path(args.output).write_text(svg, encoding="utf-8")
        print(f"wrote {args.output}: flow {flow.id} {flow.version} ({lang}), {len(flow.nodes)} nodes")
    else:
        sys.stdout.write(svg + "\n")
    return 0


def cmd_create_table(args: argparse.Namespace) -> int:
    from handler.infra.store import create_table, dynamodb_client

    settings = plain_settings()
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
    for line in create_table(client, settings.sessions_table, args.kms_key_id, not args.no_point_in_time_recovery):
        print(line)
    print(f"table {settings.sessions_table} in {settings.aws_region} is ready")
    return 0


def cmd_fallback_twiml(args: argparse.Namespace) -> int:
    from handler.channels.safe_reply import sms_twiml, voice_twiml

    nurse = plain_settings().nurse_line_number
    print(voice_twiml(nurse) if args.voice else sms_twiml(nurse))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage-line", description="Triage Line: SMS and voice triage for muscle spasms and leg cramps.")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check flows: schema, references, safety walk, SMS cost")
    validate.add_argument("files", nargs="*", help="flow files (default: every flow in flows/)")
    validate.add_argument("--segments", action="store_true", help="list every reply with its encoding and segments")
    validate.set_defaults(run=cmd_validate)

    chat = commands.add_parser("chat", help="talk to the line in this terminal, as a patient would by text")
    chat.add_argument("--number", default="+15555550100", help="the patient's phone number to send as")
    chat.set_defaults(run=cmd_chat)

    serve = commands.add_parser("serve", help="run the webhook server locally, with an embedded DynamoDB")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.set_defaults(run=cmd_serve)

    vignettes = commands.add_parser("vignettes", help="run scripted test patients; prints JSON Lines")
    vignettes.add_argument("file", help="a JSON list of vignettes (see tests/vignettes/)")
    vignettes.set_defaults(run=cmd_vignettes)

    diagram = commands.add_parser("diagram", help="the flow as a diagram (SVG), as the console's Flow page shows it")
    diagram.add_argument("--lang", help="the language of the labels (default: the flow's first)")
    diagram.add_argument("--flow", help="the flow's id (default: the first in flows/)")
    diagram.add_argument("-o", "--output", help="write the SVG to this file (default: standard output)")
    diagram.set_defaults(run=cmd_diagram)

    table = commands.add_parser("create-table", help="create the sessions table (SESSIONS_TABLE in AWS_REGION, "
                                "or at DYNAMODB_ENDPOINT_URL): on-demand, TTL, point-in-time recovery; safe to rerun")
    table.add_argument("--kms-key-id", help="encrypt with this customer managed KMS key (default: AWS owned key)")
    table.add_argument("--no-point-in-time-recovery", action="store_true", help="leave point-in-time recovery off")
    table.set_defaults(run=cmd_create_table)

    fallback = commands.add_parser("fallback-twiml", help="static TwiML with the safe message, for a TwiML Bin "
                                   "used as the number's Fallback URL")
    fallback.add_argument("--voice", action="store_true", help="the voice version (default: SMS)")
    fallback.set_defaults(run=cmd_fallback_twiml)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SettingsError as error:
        print(f"triage-line: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
