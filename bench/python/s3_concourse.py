"""The S3 → Concourse notifier as a Python user would write it instead: the benchmark's yardstick.

Standard library only (`json`, `re`, `urllib`), as such a handler usually is. It does what the Rust
function does for the benchmark's event: read the S3 event's `ObjectCreated` records (key URL-decoded,
`+` being a space), find the resources of the same Concourse configuration file that watch the object (an
`s3` resource's `regexp` over the whole key or its `versioned_file`; a `semver` resource with the s3 driver
by bucket and key), trigger each one's `webhook_token` check on the ATC once, and answer with one entry per
check; a failed check raises, so Lambda retries. Configuration is read once, at import (cold start).
Direct S3 events only: the SNS, SQS and EventBridge wrappers the Rust function also reads are left out.
"""

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request

with open(os.environ["HOOKBOX_CONCOURSE_CONFIG_FILE"], encoding="utf-8") as config_file:
    CONFIG = json.load(config_file)
TIMEOUT = int(os.environ.get("HOOKBOX_CHECK_TIMEOUT_MS", "5000")) / 1000
ALIASES = CONFIG.get("type_aliases", {})


def watcher(resource):
    """(bucket, test of a key) for a resource that watches S3 objects, else None."""
    kind, source = ALIASES.get(resource.get("type"), resource.get("type")), resource.get("source", {})
    if kind == "s3" and source.get("regexp"):
        pattern = re.compile(source["regexp"])
        return source.get("bucket"), lambda key: pattern.fullmatch(key) is not None
    if kind == "s3" and source.get("versioned_file"):
        return source.get("bucket"), lambda key: key == source["versioned_file"]
    if kind == "semver" and source.get("driver", "s3") == "s3":
        return source.get("bucket"), lambda key: key == source.get("key")
    return None


BY_BUCKET = {}
for resource in CONFIG["resources"]:
    found = watcher(resource)
    if found:
        BY_BUCKET.setdefault(found[0], []).append((resource, found[1]))


def check(resource):
    url = (f"{CONFIG['atc_url'].rstrip('/')}/api/v1/teams/{CONFIG['team']}/pipelines/{resource['pipeline']}"
           f"/resources/{resource['resource']}/check/webhook?"
           + urllib.parse.urlencode({"webhook_token": resource["webhook_token"]}))
    request = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
        return {"pipeline": resource["pipeline"], "resource": resource["resource"], "status": answer.status}


def handler(event, context):
    found = {}
    for record in event.get("Records", []):
        if not record.get("eventName", "").startswith("ObjectCreated:"):
            continue
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        for resource, watches in BY_BUCKET.get(bucket, []):
            if watches(key):
                found[(resource["pipeline"], resource["resource"])] = resource
    try:
        checks = [check(resource) for resource in found.values()]
    except (urllib.error.URLError, OSError) as error:
        raise RuntimeError(f"a check failed and may succeed on a retry: {error}") from error
    print(json.dumps({"level": "INFO", "message": "checks", "request_id": context.aws_request_id,
                      "checks": len(checks)}))
    return {"objects": len(event.get("Records", [])), "checks": checks, "request_id": context.aws_request_id}
