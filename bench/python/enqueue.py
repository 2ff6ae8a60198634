"""The enqueue function as a Python user would write it instead: the benchmark's yardstick.

It does what the Rust function does for the catch-all route (no routes file): an API Gateway HTTP API
(payload 2.0) or Function URL event becomes the same envelope JSON, sent to SQS with the same message
attributes, answered with 202 and the same body. The boto3 client is built once at import (cold start),
as AWS recommends. Bodies too large for one message get 413 here instead of a claim check: the
benchmark's 25 KB push never needs one.
"""

import base64
import json
import os
import urllib.parse
from datetime import datetime, timezone

import boto3

QUEUE_URL = os.environ["HOOKBOX_QUEUE_MAILBOX"]
MAX_MESSAGE_BYTES = int(os.environ.get("HOOKBOX_MAX_MESSAGE_BYTES", "262144"))
REFUSED_METHODS = {"OPTIONS", "HEAD", "TRACE", "CONNECT"}
DELIVERY_ID_HEADERS = ("x-github-delivery", "x-gitlab-event-uuid", "x-gitea-delivery", "x-request-uuid")

sqs = boto3.client("sqs")


def envelope(event, invocation_id):
    """The envelope of ARCHITECTURE.md for an HTTP API or Function URL event."""
    context = event.get("requestContext", {})
    http = context.get("http", {})
    headers = [(name.lower(), value) for name, value in (event.get("headers") or {}).items()]
    if event.get("cookies"):
        headers.append(("cookie", "; ".join(event["cookies"])))
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    try:
        text, text_base64 = (raw.decode() if raw else None), None
    except UnicodeDecodeError:
        text, text_base64 = None, base64.b64encode(raw).decode()
    path = event.get("rawPath") or "/"
    stage = context.get("stage")
    if stage and stage != "$default" and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]
    now = datetime.now(timezone.utc)
    return {
        "v": 1,
        "id": context.get("requestId") or invocation_id,
        "received_at": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "route": "mailbox",
        "method": http.get("method", "GET"),
        "path": path,
        "query": urllib.parse.parse_qsl(event.get("rawQueryString") or "", keep_blank_values=True),
        "headers": headers,
        "source_ip": http.get("sourceIp"),
        "body": text,
        "body_base64": text_base64,
        "body_s3": None,
    }


def attributes(headers):
    """route, content-type and delivery-id, as the Rust function sets them."""
    found = dict(headers)
    values = {"route": "mailbox", "content-type": found.get("content-type")}
    values["delivery-id"] = next((found[name] for name in DELIVERY_ID_HEADERS if found.get(name)), None)
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items() if value}


def reply(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def handler(event, context):
    record = envelope(event, context.aws_request_id)
    if record["method"] in REFUSED_METHODS:
        return reply(405, {"error": f"{record['method']} is not allowed", "request_id": record["id"]})
    message = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    if len(message.encode()) > MAX_MESSAGE_BYTES:
        return reply(413, {"error": "too large for one message", "request_id": record["id"]})
    try:
        sent = sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=message, MessageAttributes=attributes(record["headers"]))
    except Exception as error:  # noqa: BLE001 - the sender must retry whatever went wrong
        print(json.dumps({"level": "ERROR", "message": "not stored", "error": str(error)}))
        return reply(502, {"error": f"not stored: {error}", "request_id": record["id"]})
    print(json.dumps({"level": "INFO", "message": "stored", "request_id": record["id"], "bytes": len(message)}))
    answer = {"id": record["id"], "route": "mailbox", "claim_check": False,
              "messages": [{"queue": "mailbox", "message_id": sent["MessageId"]}]}
    return reply(202, answer)
