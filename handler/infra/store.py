"""Sessions in DynamoDB. Every DynamoDB call in the project passes through here.

One item per conversation, keyed by a pseudonym (never a phone number):
  pk        "sms#<hmac>" or "call#<hmac>"
  v         version, for save-if-unchanged
  state     the engine state (JSON), absent once opted out
  prev      the state before the last message, and prev_out whether the patient was
            opted out then: enough to answer a retry of that message the same way
  sid       the id of the last message applied (Twilio's MessageSid)
  seen      the last characters of recent message ids, so a replayed older one is ignored
  turns     messages the patient has sent in this conversation
  win, cnt  the current hour's start and how many messages came in it (rate limit)
  exp       expiry (epoch seconds; DynamoDB's TTL attribute); absent on opt-out marks
  opted_out true once the patient opted out (kept, never expired)
A message costs one GetItem and one conditional PutItem.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from handler.core.session import Session
from handler.core.state import State
from handler.infra import logs, store_budget

# Timeouts and retries from one budget (handler/infra/store_budget.py): even a message that
# loses a race (read, write, read, write) with every attempt timing out stays inside 6 s,
# well inside the Lambda timeout, itself well inside Twilio's 15 s.
CLIENT_CONFIG = Config(connect_timeout=store_budget.CONNECT_TIMEOUT_SECONDS,
                       read_timeout=store_budget.READ_TIMEOUT_SECONDS,
                       retries={"total_max_attempts": store_budget.ATTEMPTS_PER_CALL,
                                "mode": store_budget.RETRY_MODE})
TTL_ATTRIBUTE = "exp"


class StoreError(Exception):
    """DynamoDB could not be read or written (throttled, down, timed out...)."""


class Conflict(StoreError):
    """The item changed since it was read: another message got there first."""


# The local tools' own DynamoDB (moto's server in the same process, or one named by
# DYNAMODB_ENDPOINT_URL) shares the machine's cores with everything else: its answers may
# take longer than AWS's, and no Lambda clock runs, so the local line waits longer.
LOCAL_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 2, "mode": "legacy"})


def dynamodb_client(region: str, endpoint_url: str | None = None, config: Config = CLIENT_CONFIG):
    import boto3

    return boto3.client("dynamodb", region_name=region, endpoint_url=endpoint_url, config=config)


def _state(item: dict, name: str) -> State | None:
    """An engine state kept as JSON text in the item (see handler.core.state)."""
    return json.loads(item[name]["S"]) if name in item else None


class SessionStore:
    def __init__(self, client, table: str, ttl_seconds: int = 24 * 60 * 60, clock=time.time):
        self.client = client
        self.table = table
        self.ttl_seconds = ttl_seconds
        self.clock = clock

    def with_ttl(self, ttl_seconds: int) -> SessionStore:
        """The same table, with another expiry (calls live shorter than text chats)."""
        return SessionStore(self.client, self.table, ttl_seconds, self.clock)

    def _call(self, operation: str, **kwargs):
        try:
            return getattr(self.client, operation)(TableName=self.table, **kwargs)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise Conflict(operation) from error
            raise StoreError(f"{operation}: {error.response.get('Error', {}).get('Code', 'ClientError')}") from error
        except BotoCoreError as error:
            raise StoreError(f"{operation}: {type(error).__name__}") from error

    def load(self, key: str) -> Session:
        item = self._call("get_item", Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")
        if item is None:
            return Session(key)

        def number(name: str) -> int:
            return int(item.get(name, {}).get("N", "0"))

        def flag(name: str) -> bool:
            return item.get(name, {}).get("BOOL", False)

        session = Session(
            key=key,
            version=number("v"),
            state=_state(item, "state"),
            previous=_state(item, "prev"),
            previously_opted_out=flag("prev_out"),
            last_message=item.get("sid", {}).get("S"),
            seen=tuple(item.get("seen", {}).get("S", "").split()),
            turns=number("turns"),
            opted_out=flag("opted_out"),
            window=number("win"),
            count=number("cnt"),
        )
        expires = item.get(TTL_ATTRIBUTE, {}).get("N")
        if expires is not None and int(expires) <= self.clock():
            # DynamoDB deletes expired items late: treat the talk as gone, keep the rest.
            return replace(session, state=None, turns=0, expired=True)
        return session

    def item(self, key: str) -> dict | None:
        """The session's item exactly as DynamoDB holds it (typed attributes), for the local
        console to show; the line itself reads sessions with load."""
        return self._call("get_item", Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")

    def save(self, session: Session, expected_version: int) -> Session:
        """Write the session if the stored item is still at `expected_version`
        (0: there is none), else raise Conflict. Returns it with its new version."""
        item: dict = {"pk": {"S": session.key}, "v": {"N": str(expected_version + 1)},
                      "turns": {"N": str(session.turns)}, "win": {"N": str(session.window)},
                      "cnt": {"N": str(session.count)}}
        if session.state is not None:
            item["state"] = {"S": json.dumps(session.state, separators=(",", ":"))}
        if session.previous is not None:
            item["prev"] = {"S": json.dumps(session.previous, separators=(",", ":"))}
        if session.previously_opted_out:
            item["prev_out"] = {"BOOL": True}
        if session.last_message:
            item["sid"] = {"S": session.last_message}
        if session.seen:
            item["seen"] = {"S": " ".join(session.seen)}
        if session.opted_out:
            item["opted_out"] = {"BOOL": True}   # kept until they opt back in: no expiry
        else:
            item[TTL_ATTRIBUTE] = {"N": str(int(self.clock()) + self.ttl_seconds)}
        if expected_version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {"ConditionExpression": "v = :v",
                         "ExpressionAttributeValues": {":v": {"N": str(expected_version)}}}
        self._call("put_item", Item=item, **condition)
        return replace(session, version=expected_version + 1, expired=False)


def create_table(client, table: str, kms_key_id: str | None = None,
                 point_in_time_recovery: bool = True) -> list[str]:
    """Create the sessions table: on-demand capacity, TTL on `exp`, point-in-time
    recovery, encrypted at rest (with your KMS key if given, else AWS's). Running it
    again only turns on what is off. Returns what it did, one line each. An endpoint
    without TTL or backups (dynalite, for tests) gets that step skipped with a note line
    and a `table_setup_skipped` log event; expiry is also checked on every read."""
    done = []
    try:
        sse = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key_id} if kms_key_id else None
        client.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            **({"SSESpecification": sse} if sse else {}),
        )
        done.append(f"created table {table} (on-demand, encrypted with "
                    f"{'KMS key ' + kms_key_id if kms_key_id else 'the AWS owned key'})")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
        done.append(f"table {table} exists")
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    try:
        ttl = client.describe_time_to_live(TableName=table).get("TimeToLiveDescription", {})
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(TableName=table, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": TTL_ATTRIBUTE})
            done.append(f"TTL turned on (attribute '{TTL_ATTRIBUTE}')")
    except ClientError as error:
        done.append(_skipped(error, "ttl", "TTL"))
    if point_in_time_recovery:
        try:
            backups = client.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
            status = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
            if status != "ENABLED":
                client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": True})
                done.append("point-in-time recovery turned on")
        except ClientError as error:
            done.append(_skipped(error, "point_in_time_recovery", "point-in-time recovery"))
    return done


# What an endpoint answers for an operation it does not have (dynalite: UnknownOperationException
# for UpdateTimeToLive and the continuous-backups calls). Real DynamoDB has them all.
UNSUPPORTED_CODES = frozenset({"UnknownOperationException", "NotImplementedException", "NotImplemented",
                               "InvalidAction"})


def _skipped(error: ClientError, step: str, what: str) -> str:
    """A table setup step the endpoint does not implement: note it and go on. Any other
    error (no permission, throttled...) is raised: a real table must not lack its TTL."""
    response = error.response
    code = response.get("Error", {}).get("Code", "")
    if code not in UNSUPPORTED_CODES and response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 501:
        raise error
    logs.event("table_setup_skipped", level=logging.WARNING, step=step, error=code or "501")
    return f"{what} not supported by this endpoint: skipped"
