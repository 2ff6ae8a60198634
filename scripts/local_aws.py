"""The local AWS of scripts/dev: creates the stack's queues and bucket on a moto server, and reads
the mailbox queue. Run with the project venv's Python (scripts/dev and scripts/peek do)."""

import argparse
import json
import sys

import boto3

REGION = "eu-west-1"
# The same limits the SAM template deploys with (template.yaml parameters' defaults).
MAX_MESSAGE_BYTES = 262144
MAX_RECEIVE_COUNT = 10
BUCKET = "hookbox-bodies"


def clients(endpoint):
    options = dict(endpoint_url=endpoint, region_name=REGION,
                   aws_access_key_id="local", aws_secret_access_key="local")
    return boto3.client("sqs", **options), boto3.client("s3", **options)


def create(endpoint):
    """Creates the dead-letter queue, the mailbox queue with its redrive policy, and the claim-check
    bucket, and prints the function's environment as KEY=VALUE lines."""
    sqs, s3 = clients(endpoint)
    dlq_url = sqs.create_queue(QueueName="mailbox-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mailbox_url = sqs.create_queue(QueueName="mailbox", Attributes={
        "MaximumMessageSize": str(MAX_MESSAGE_BYTES),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
    })["QueueUrl"]
    try:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "HOOKBOX_S3_FORCE_PATH_STYLE": "true",
        "HOOKBOX_QUEUE_MAILBOX": mailbox_url,
        "HOOKBOX_DLQ_URL": dlq_url,
        "HOOKBOX_BODY_BUCKET": BUCKET,
        "HOOKBOX_MAX_MESSAGE_BYTES": str(MAX_MESSAGE_BYTES),
    }
    for key, value in env.items():
        print(f"{key}={value}")


def peek(endpoint, queue, delete, limit):
    """Prints up to `limit` envelopes waiting in a queue, with the start of claim-checked bodies.
    Without --delete they stay, hidden for a few seconds; note that every look counts as a receive
    towards the queue's maxReceiveCount, as it would for a relay."""
    sqs, s3 = clients(endpoint)
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    shown = 0
    while shown < limit:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, limit - shown),
                                    WaitTimeSeconds=1, VisibilityTimeout=5,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            break
        for message in batch:
            envelope = json.loads(message["Body"])
            attributes = {k: v.get("StringValue") for k, v in message.get("MessageAttributes", {}).items()}
            claim = envelope.get("body_s3")
            if claim:
                body = s3.get_object(Bucket=claim["bucket"], Key=claim["key"])["Body"].read()
                claim["first_bytes"] = body[:200].decode("utf-8", "replace")
            print(json.dumps({"attributes": attributes, "envelope": envelope}, indent=2, ensure_ascii=False))
            shown += 1
            if delete:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    print(f"{shown} message(s) from {queue}{', deleted' if delete else ''}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", default="http://127.0.0.1:5000", help="the moto server")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("create", help="create the queues and bucket; print the function environment")
    peek_parser = sub.add_parser("peek", help="print the envelopes in a queue")
    peek_parser.add_argument("--queue", default="mailbox")
    peek_parser.add_argument("--delete", action="store_true", help="delete what was printed")
    peek_parser.add_argument("--max", type=int, default=10, help="show at most this many")
    args = parser.parse_args()
    if args.command == "create":
        create(args.endpoint)
    else:
        peek(args.endpoint, args.queue, args.delete, args.max)


if __name__ == "__main__":
    main()
