"""The GitHub → Concourse notifier as a Python user would write it instead: the benchmark's yardstick.

Standard library only (`hmac`, `json`, `urllib`), as such a handler usually is. It does what the Rust
function does for the benchmark's deliveries: verify `X-Hub-Signature-256` against every configured
secret, read the push (JSON or form-encoded), match it against the git resources of the same Concourse
configuration file (repository URL normalised, branch, `paths`/`ignore_paths` as path prefixes; no
wildcards, which the benchmark's config does not use), trigger each matching resource's `webhook_token`
check on the ATC, and answer 200 with one entry per check (502 when one failed). Configuration and
secrets are read once, at import (cold start).
"""

import base64
import hashlib
import hmac
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request

with open(os.environ["HOOKBOX_CONCOURSE_CONFIG_FILE"], encoding="utf-8") as config_file:
    CONFIG = json.load(config_file)
SECRETS = [secret.encode() for secret in json.loads(os.environ["HOOKBOX_GITHUB_WEBHOOK_SECRETS"])]
TIMEOUT = int(os.environ.get("HOOKBOX_CHECK_TIMEOUT_MS", "5000")) / 1000


def normalise(uri):
    """https, ssh and scp-style URLs of one repository become the same `host/owner/repo`."""
    uri = uri.strip()
    scp = re.match(r"^[\w.-]+@([^:/]+):(.+)$", uri)
    if scp:
        host, path = scp.groups()
    else:
        parsed = urllib.parse.urlsplit(uri)
        host, path = parsed.hostname or "", parsed.path
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    return f"{host.lower()}/{path}"


GIT_RESOURCES = [
    (resource, normalise(resource["source"]["uri"]))
    for resource in CONFIG["resources"]
    if resource.get("type") == "git" and resource.get("source", {}).get("uri")
]


def header(event, name):
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return value
    return None


def reply(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def signature_ok(raw, signature):
    if not signature or not signature.startswith("sha256="):
        return False
    given = signature[len("sha256="):]
    return any(hmac.compare_digest(hmac.new(secret, raw, hashlib.sha256).hexdigest(), given) for secret in SECRETS)


def under(path, prefixes):
    return any(path == prefix or path.startswith(prefix.rstrip("/") + "/") for prefix in prefixes)


def matches(resource, push, branch, files):
    source = resource["source"]
    if source.get("branch", push["repository"].get("default_branch", "main")) != branch:
        return False
    paths, ignored = source.get("paths"), source.get("ignore_paths", [])
    if not paths and not ignored:
        return True
    return any((not paths or under(f, paths)) and not under(f, ignored) for f in files)


def check(resource):
    url = (f"{CONFIG['atc_url'].rstrip('/')}/api/v1/teams/{CONFIG['team']}/pipelines/{resource['pipeline']}"
           f"/resources/{resource['resource']}/check/webhook?"
           + urllib.parse.urlencode({"webhook_token": resource["webhook_token"]}))
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return {"pipeline": resource["pipeline"], "resource": resource["resource"], "outcome": "triggered",
                    "status": answer.status}
    except (urllib.error.URLError, OSError) as error:
        return {"pipeline": resource["pipeline"], "resource": resource["resource"], "outcome": "failed",
                "error": str(error)}


def handler(event, context):
    request_id = (event.get("requestContext") or {}).get("requestId") or context.aws_request_id
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    if not signature_ok(raw, header(event, "x-hub-signature-256")):
        return reply(401, {"error": "missing or wrong X-Hub-Signature-256", "request_id": request_id})
    kind = header(event, "x-github-event")
    if kind == "ping":
        return reply(200, {"event": "ping", "message": "pong", "request_id": request_id})
    if kind != "push":
        return reply(200, {"event": kind, "ignored": True, "request_id": request_id})
    if (header(event, "content-type") or "").startswith("application/x-www-form-urlencoded"):
        raw = urllib.parse.parse_qs(raw.decode())["payload"][0].encode()
    push = json.loads(raw)
    ref = push.get("ref", "")
    if not ref.startswith("refs/heads/") or push.get("deleted"):
        return reply(200, {"event": "push", "message": "not a branch update", "request_id": request_id})
    branch = ref[len("refs/heads/"):]
    repository = push["repository"]
    urls = {normalise(repository[key]) for key in ("clone_url", "ssh_url", "html_url") if repository.get(key)}
    files = {f for commit in push.get("commits", []) for key in ("added", "removed", "modified") for f in commit[key]}
    found = [resource for resource, uri in GIT_RESOURCES if uri in urls and matches(resource, push, branch, files)]
    checks = [check(resource) for resource in found]
    failed = sum(1 for c in checks if c["outcome"] == "failed")
    print(json.dumps({"level": "INFO", "message": "checks", "request_id": request_id, "checks": len(checks),
                      "failed": failed}))
    return reply(502 if failed else 200, {"event": "push", "checks": checks, "request_id": request_id})
