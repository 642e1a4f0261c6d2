"""The deployable zip, built the way a deploy builds it (`zappa package`, no
downloads) and run the way Lambda runs it: a bare interpreter with only the
zip's contents and the runtime's own boto3 on the path, called through the
entry point zappa_settings.json names, with API Gateway REST (v1) proxy events."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

import boto3
import pytest

from handler.infra.signature import sign
from handler.infra.store import create_table
from handler.tools.local_line import embedded_dynamodb
from tests.paths import REPO, TESTS_DIR

LAMBDA_VENV = REPO / "build" / "lambda-venv"
RUNNER = TESTS_DIR / "lambda" / "run_entry.py"
STAGE = "dev"
HOST = "abc123defg.execute-api.us-east-1.amazonaws.com"
TOKEN = "packaged-test-auth-token"
ACCOUNT = "AC" + "5a" * 16
# What the Lambda python3.11 runtime provides itself (left out of the zip).
RUNTIME_LIBRARIES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")
MAX_ZIP_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 40 * 1024 * 1024


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    zappa = LAMBDA_VENV / "bin" / "zappa"
    assert zappa.exists(), "build/lambda-venv is missing: `make test` builds it"
    work = tmp_path_factory.mktemp("lambda")
    archive = work / f"triage-line-{STAGE}.zip"
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(work)),
           "VIRTUAL_ENV": str(LAMBDA_VENV), "AWS_DEFAULT_REGION": "us-east-1"}
    built = subprocess.run([str(zappa), "package", STAGE, "-o", str(archive)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    unpacked = work / "unpacked"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(unpacked)
    runtime = work / "runtime"
    runtime.mkdir()
    site = next((LAMBDA_VENV / "lib").glob("python3*/site-packages"))
    for name in RUNTIME_LIBRARIES:
        source = site / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, runtime / name)
    return archive, unpacked, runtime


@pytest.fixture(scope="module")
def dynamodb_url():
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with embedded_dynamodb() as url:
        client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=url)
        create_table(client, "triage-sessions-dev")
        yield url


def proxy_event(method, path, params=None, signature=None, host=HOST, stage=STAGE, query=None):
    """An API Gateway REST API proxy event, shaped as API Gateway sends it."""
    headers = {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443",
               "X-Forwarded-For": "54.172.60.1", "User-Agent": "TwilioProxy/1.1"}
    if params is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return {
        "resource": "/{proxy+}", "path": path, "httpMethod": method,
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query, "multiValueQueryStringParameters":
            {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
        "requestContext": {"resourcePath": "/{proxy+}", "httpMethod": method, "path": f"/{stage}{path}",
                           "stage": stage, "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                           "accountId": "123456789012", "apiId": "abc123defg", "protocol": "HTTP/1.1",
                           "domainName": host, "identity": {"sourceIp": "54.172.60.1", "userAgent": "TwilioProxy/1.1"}},
        "body": urlencode(params) if params is not None else None, "isBase64Encoded": False,
    }


def signed_event(path, params, base=f"https://{HOST}/{STAGE}", token=TOKEN):
    """Signed as Twilio signs it: for the public URL, stage prefix included."""
    return proxy_event("POST", path, params, sign(token, base + path, params))


SMS = {"MessageSid": "SM" + "1" * 32, "SmsSid": "SM" + "1" * 32, "AccountSid": ACCOUNT,
       "From": "+14155550123", "To": "+14155550100", "Body": "Hi", "NumMedia": "0",
       "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01", "FromCountry": "US"}
CALL = {"CallSid": "CA" + "2" * 32, "AccountSid": ACCOUNT, "From": "+14155550123",
        "To": "+14155550100", "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}


def invoke(package, dynamodb_url, events, **env_extra):
    _archive, unpacked, runtime = package
    env = {"PATH": os.environ["PATH"], "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT,
           "PHONE_HASH_KEY": "packaged-test-hash-key",
           "SESSIONS_TABLE": "triage-sessions-dev", "AWS_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "DYNAMODB_ENDPOINT_URL": dynamodb_url, "LAMBDA_TASK_ROOT": str(unpacked),
           "PUBLIC_BASE_URL": f"https://{HOST}/{STAGE}", **env_extra}   # required on Lambda
    ran = subprocess.run([sys.executable, "-I", "-S", str(RUNNER), str(unpacked), str(runtime)],
                         input=json.dumps(events), capture_output=True, text=True, env=env,
                         cwd=unpacked, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(ran.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def served(package, dynamodb_url):
    events = [
        signed_event("/sms", SMS),
        signed_event("/voice", CALL),
        proxy_event("GET", "/healthz"),
        proxy_event("POST", "/sms", SMS, signature=sign("not-the-token", f"https://{HOST}/{STAGE}/sms", SMS)),
        signed_event("/sms", {**SMS, "MessageSid": "SM" + "3" * 32}, base=f"https://{HOST}"),  # stage left out
    ]
    return invoke(package, dynamodb_url, events)


def test_zip_is_small_and_holds_only_what_runs(package):
    archive, unpacked, _runtime = package
    unpacked_bytes = sum(f.stat().st_size for f in unpacked.rglob("*") if f.is_file())
    print(f"\nzip {archive.stat().st_size / 1e6:.2f} MB compressed, {unpacked_bytes / 1e6:.2f} MB unpacked")
    assert archive.stat().st_size < MAX_ZIP_BYTES
    assert unpacked_bytes < MAX_UNPACKED_BYTES
    for needed in ("handler/lambda_entry.py", "handler/app.py", "flows/muscle-spasms.json",
                   "flows/flow.schema.json", "flows/concepts.json", "zappa/handler.py", "zappa_settings.py"):
        assert (unpacked / needed).is_file(), needed
    for left_out in ("tests", "boto3", "botocore", "s3transfer", "moto", "pytest", "hypothesis",
                     "troposphere", "pip", "twilio/rest", ".venv", "build"):
        assert not (unpacked / left_out).exists(), f"{left_out} should not be in the zip"


def test_entry_point_is_this_projects_package_not_zappas_file(served, package):
    _archive, unpacked, _runtime = package
    assert (unpacked / "handler.py").is_file()          # Zappa's file is there...
    assert Path(served["entry_file"]) == unpacked / "handler" / "lambda_entry.py"  # ...but ours serves
    assert "moto" not in served["modules"] and "pytest" not in served["modules"]


def test_signed_sms_webhook_gets_the_opening(served):
    response = served["responses"][0]
    assert response["statusCode"] == 200
    messages = [m.text for m in ElementTree.fromstring(response["body"]).iter("Message")]
    assert messages and messages[0].startswith("Triage Line")


def test_signed_voice_webhook_gets_a_gather_under_the_stage(served):
    response = served["responses"][1]
    assert response["statusCode"] == 200
    root = ElementTree.fromstring(response["body"])
    gather = root.find("Gather")
    assert gather is not None
    action = urlsplit(gather.get("action"))
    assert (action.scheme, action.netloc) == ("https", HOST)
    assert action.path == f"/{STAGE}/voice/language"      # the incoming call's language menu


def test_health_check(served):
    response = served["responses"][2]
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ok"


def test_badly_signed_requests_are_refused(served):
    assert served["responses"][3]["statusCode"] == 403
    assert served["responses"][4]["statusCode"] == 403   # signed for a URL without the stage


@pytest.mark.parametrize("public", ["https://line.example.org", "https://line.example.org/triage"])
def test_public_base_url_for_a_custom_domain(package, dynamodb_url, public):
    """Behind a custom domain (with or without a base path), Twilio signs the public URL,
    which the app cannot see: PUBLIC_BASE_URL names it."""
    event = proxy_event("POST", "/sms", SMS, sign(TOKEN, public + "/sms", SMS), host="line.example.org")
    out = invoke(package, dynamodb_url, [event, signed_event("/sms", SMS)], PUBLIC_BASE_URL=public)
    assert out["responses"][0]["statusCode"] == 200
    assert out["responses"][1]["statusCode"] == 403   # the execute-api URL is not the one configured
