"""The leanest enqueue a Python user would write: the event as it came, sent to SQS, 202. No envelope, no
attributes, no size check. The benchmark starts it beside bench/python/enqueue.py to show what the
yardstick's own code costs at a cold start (its imports and module-level work) beyond boto3's.
"""

import json
import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["HOOKBOX_QUEUE_MAILBOX"], MessageBody=json.dumps(event))
    return {"statusCode": 202, "body": ""}
