"""Run inside a bare interpreter (python -I -S), as Lambda runs the package:
only the unzipped package and the runtime's own libraries on the path.
Reads API Gateway events (JSON list) on stdin, prints the responses as JSON."""
import json
import sys
import time

package_dir, runtime_dir = sys.argv[1], sys.argv[2]
entry_module = sys.argv[3] if len(sys.argv) > 3 else "handler.lambda_entry"   # what zappa_settings names
sys.path[:0] = [package_dir, runtime_dir]


class Context:
    function_name = "triage-line-dev"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:triage-line-dev"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self):
        return 10_000


started = time.perf_counter()
import importlib  # noqa: E402

entry = importlib.import_module(entry_module)

imported = time.perf_counter()
responses = [entry.lambda_handler(event, Context()) for event in json.load(sys.stdin)]
done = time.perf_counter()
print(json.dumps({
    "responses": responses,
    "import_seconds": imported - started,
    "first_request_seconds": done - imported,
    "modules": sorted(name for name in sys.modules if "." not in name),
    "entry_file": entry.__file__,
}))
