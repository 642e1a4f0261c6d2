"""Cold start in instructions: the same fresh interpreter as section 3 of `make bench`
(bench/cold_child.py: import, create the app, serve one signed request), run once for
the line and once for the baseline under valgrind's callgrind, which counts the
instructions the process runs. Unlike milliseconds on a shared machine, the count is the
same from run to run (the hash seed is fixed), so a change of a percent shows.

    .venv/bin/python bench/cold_instructions.py [--tree PATH]

--tree measures another checkout of the project (a `git worktree` of an older commit,
its bytecode compiled first) against the same embedded DynamoDB. Needs valgrind (Debian's
package); about a minute. Not part of `make bench`."""
from __future__ import annotations

import argparse
import compileall
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):                 # run as a script: import `bench` from the repo root
    sys.path[0] = str(ROOT)

from bench.cold_start import child_environment, signed_request  # noqa: E402
from bench.patients import Numbers  # noqa: E402
from handler.tools.local_line import local_settings  # noqa: E402

COLLECTED = re.compile(r"Collected : (\d+)")
FIRST_TEXT = "my calf cramped up after my run"


def instructions(tree: Path, which: str, env: dict, request: str) -> int:
    """The instructions one cold child of `tree` runs, start to exit."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                           "-m", "bench.cold_child", which, request],
                          cwd=tree, env={**env, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"},
                          capture_output=True, text=True,
                          timeout=600)
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None or '"status": 200' not in done.stdout:
        raise RuntimeError(f"the {which} child of {tree} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install -y valgrind", file=sys.stderr)
        return 2
    tree = args.tree.resolve()
    for folder in ("handler", "bench"):        # bytecode written first: a cold start on Lambda has it
        compileall.compile_dir(str(tree / folder), quiet=1)
    numbers = Numbers(556)
    with local_settings() as (settings, _supplied):
        env = child_environment(settings, settings.dynamodb_endpoint_url)
        counts = {which: instructions(tree, which, env, signed_request(settings, numbers(), FIRST_TEXT))
                  for which in ("line", "baseline")}
    line, baseline = counts["line"], counts["baseline"]
    print(f"{tree}: line {line / 1e6:.0f} M, baseline {baseline / 1e6:.0f} M instructions, "
          f"ratio {line / baseline:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
