"""Run in a fresh interpreter by cold_start.py: import and build one app from the
environment, serve one signed request, print what it took as one JSON line.

    python -m bench.cold_child line|baseline|flows REQUEST_JSON

Only the standard library is imported before the clock starts, and the request is
a plain WSGI environ, so the app's own imports are all that is measured."""
import time

STARTED = time.perf_counter()

import io  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from urllib.parse import urlencode  # noqa: E402


def environ_for(request: dict) -> dict:
    body = urlencode(request["params"]).encode("utf-8")
    return {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": request["path"], "QUERY_STRING": "",
        "SERVER_NAME": request["host"], "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": request["host"], "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)), "HTTP_X_TWILIO_SIGNATURE": request["signature"],
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }


def serve_once(app, request: dict) -> tuple[int, bytes]:
    status = []
    result = app(environ_for(request), lambda line, headers, exc_info=None: status.append(line))
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return int(status[0].split()[0]), body


def main(which: str, request_json: str) -> dict:
    began = time.perf_counter()
    if which == "flows":
        from handler.infra.flow_files import load_flows
        imported = time.perf_counter()
        flows = load_flows()
        loaded = time.perf_counter()
        return {"import_ms": (imported - began) * 1000, "load_ms": (loaded - imported) * 1000,
                "flows": sorted(flows)}
    if which == "line":
        from handler.app import create_app
        imported = time.perf_counter()
        app = create_app()
    else:
        from bench.baseline_app import create_app_from_env
        imported = time.perf_counter()
        app = create_app_from_env()
    created = time.perf_counter()
    status, body = serve_once(app, json.loads(request_json))
    served = time.perf_counter()
    loaded, twilio_rest = len(sys.modules), "twilio.rest" in sys.modules
    from bench.processes import peak_rss_kb
    return {
        "import_ms": (imported - began) * 1000,
        "create_ms": (created - imported) * 1000,
        "first_request_ms": (served - created) * 1000,
        "in_process_ms": (served - STARTED) * 1000,
        "status": status,
        "replied": b"<Message>" in body,
        "twilio_rest_imported": twilio_rest,
        "modules_loaded": loaded,
        **peak_rss_kb(),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}")), flush=True)
