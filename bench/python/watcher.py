"""The relay as a Python user would first write it: the yardstick of the relay throughput figure.

    python watcher.py QUEUE_URL TARGET_URL [--max-messages N]

One message at a time with boto3: receive one, replay it to the target with urllib (method, query,
headers minus hop-by-hop and gateway ones, body), delete it after a 2xx, repeat; it exits when the queue
answers empty twice in a row (or after N deliveries), printing what it delivered, the SQS requests it
took and the seconds from its first receive to its last delete. Region,
credentials and AWS_ENDPOINT_URL come from the environment.
"""

import json
import sys
import time
import urllib.parse
import urllib.request

import boto3

DROPPED = {"connection", "host", "content-length", "transfer-encoding", "keep-alive", "upgrade"}


def replay(envelope, target):
    query = urllib.parse.urlencode(envelope["query"])
    url = f"{target}?{query}" if query else target
    headers = {name: value for name, value in envelope["headers"]
               if name not in DROPPED and not name.startswith(("x-amzn-", "x-forwarded-"))}
    body = envelope["body"].encode() if envelope.get("body") is not None else None
    request = urllib.request.Request(url, data=body, headers=headers, method=envelope["method"])
    with urllib.request.urlopen(request, timeout=30) as answer:
        return 200 <= answer.status < 300


def main():
    queue_url, target = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[4]) if sys.argv[3:4] == ["--max-messages"] else None
    sqs = boto3.client("sqs")
    delivered, empty, requests = 0, 0, 0
    started = time.monotonic()
    while empty < 2 and delivered != limit:
        requests += 1
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=0,
                                       VisibilityTimeout=60).get("Messages", [])
        if not messages:
            empty += 1
            continue
        empty = 0
        message = messages[0]
        if replay(json.loads(message["Body"]), target):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            requests += 1
            delivered += 1
    seconds = round(time.monotonic() - started, 3)
    print(json.dumps({"delivered": delivered, "sqs_requests": requests, "seconds": seconds}))


if __name__ == "__main__":
    main()
