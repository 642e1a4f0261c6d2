"""Re-render the line's side of every golden transcript with the current flow.

    .venv/bin/python -m tests.rewrite_transcripts

Use it only after changing the flow's wording on purpose, then read `git diff
tests/transcripts` line by line (and have a clinician read it) before committing:
the patient's side and the expected disposition are never rewritten."""
import json

from handler.infra.flow_files import load_flows
from tests.core.test_transcripts import FILES, load, replay_said


def main() -> None:
    flow = load_flows()["muscle-spasms"]
    changed = 0
    for path in FILES:
        transcript = load(path)
        _steps, messages = replay_said(flow, path, transcript)   # tests/transcripts/es/ in Spanish
        for turn, said in zip(transcript["turns"], messages, strict=False):
            turn["line"] = said
        text = json.dumps(transcript, indent=2, ensure_ascii=False) + "\n"
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            changed += 1
            print(f"rewrote {path.name}")
    print(f"{changed} of {len(FILES)} transcripts changed; review them with git diff before committing")


if __name__ == "__main__":
    main()
