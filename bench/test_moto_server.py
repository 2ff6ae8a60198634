"""bench/moto_server.py must change what moto costs, never what it answers: the same SQS conversation,
run against moto as it comes and against the patched one, must give the same answers.

    .venv/bin/python -m unittest discover -s bench      (scripts/test runs it)
"""

import time
import unittest

import boto3
from moto import mock_aws
from moto.sqs.models import sqs_backends

import moto_server

ACCOUNT, REGION = "123456789012", "eu-west-1"


def conversation():
    """Sends, receives (up to a message past the retention period), deletes (twice, in a batch, by a
    stale and by a made-up handle), changes visibility; returns what SQS answered at each step."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION, aws_access_key_id="testing",
                           aws_secret_access_key="testing")
        url = sqs.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        for i in range(6):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
        # m5 is older than the retention period: a receive stops there.
        sqs_backends[ACCOUNT][REGION].queues["q"]._messages[5].sent_timestamp -= 120_000
        steps = []

        def receive():
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            steps.append(("received", sorted(m["Body"] for m in messages)))
            return {m["Body"]: m["ReceiptHandle"] for m in messages}

        def delete(step, handle):
            try:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
                steps.append((step, "deleted"))
            except sqs.exceptions.ClientError as error:
                steps.append((step, error.response["Error"]["Code"]))

        first = receive()
        delete("delete", first["m0"])
        delete("delete again", first["m0"])
        delete("delete made-up", "made-up")
        batch = sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "ReceiptHandle": first["m1"]}, {"Id": "b", "ReceiptHandle": "made-up"}])
        steps.append(("batch", sorted(e["Id"] for e in batch.get("Successful", [])),
                      sorted((e["Id"], e["Code"]) for e in batch.get("Failed", []))))
        # m2 and m3 come back; m3's old handle still deletes it after its new receive.
        for body in ("m2", "m3"):
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[body], VisibilityTimeout=0)
        time.sleep(0.01)  # moto hands out a message only once its visibility time has passed
        again = receive()
        delete("delete by a stale handle", first["m3"])
        delete("delete by the new handle", again["m2"])
        receive()
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                           "ApproximateNumberOfMessagesNotVisible"])
        steps.append(("left", attributes["Attributes"]))
        return steps


class PatchedMotoAnswersAlike(unittest.TestCase):
    def test_same_answers_as_moto(self):
        expected = conversation()
        with moto_server.patched():
            patched = conversation()
        self.assertEqual(patched, expected)

    def test_the_conversation_exercises_every_replacement(self):
        """Pins the conversation, so that the comparison above cannot pass on one that no longer reaches
        the replaced code (a receive up to the expired message, each kind of delete)."""
        with moto_server.patched():
            steps = conversation()
        self.assertEqual(steps, [
            ("received", ["m0", "m1", "m2", "m3", "m4"]),
            ("delete", "deleted"),
            ("delete again", "deleted"),
            ("delete made-up", "ReceiptHandleIsInvalid"),
            ("batch", ["a"], [("b", "ReceiptHandleIsInvalid")]),
            ("received", ["m2", "m3"]),
            ("delete by a stale handle", "deleted"),
            ("delete by the new handle", "deleted"),
            ("received", []),
            ("left", {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "2"}),
        ])

    def test_patched_is_undone(self):
        original = moto_server.models.Queue.delete_message
        with moto_server.patched():
            self.assertIsNot(moto_server.models.Queue.delete_message, original)
        self.assertIs(moto_server.models.Queue.delete_message, original)


if __name__ == "__main__":
    unittest.main()
