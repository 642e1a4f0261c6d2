"""`triage-line chat`: a conversation with the flow in a terminal, shown as the
SMS messages a patient would receive."""
from __future__ import annotations

import sys

from handler import engine, sms_text
from handler.flow import load_flows

PROMPT = "you> "


def _show(flow, lang, step, out) -> None:
    for message in sms_text.render(flow, lang, step.replies):
        out.write("line> " + message.replace("\n", "\n      ") + "\n\n")
    if step.outcome is not None:
        out.write(f"      [advice given: {step.outcome.disposition or 'none'}]\n\n")
    out.flush()


def chat(args, stdin=sys.stdin, out=sys.stdout) -> int:
    flows = load_flows()
    if args.flow not in flows:
        print(f"no flow '{args.flow}'; flows here: {', '.join(sorted(flows))}", file=sys.stderr)
        return 2
    flow = flows[args.flow]
    out.write("Text the line as a patient would. Ctrl-D or 'quit' ends the chat.\n\n")
    state = None
    while True:
        out.write(PROMPT)
        out.flush()
        line = stdin.readline()
        if not line or line.strip().lower() in {"quit", "exit"}:
            out.write("\n")
            return 0
        step = engine.start(flow, args.lang, line) if state is None else engine.step(flow, state, line)
        state = step.state
        _show(flow, state["lang"], step, out)
