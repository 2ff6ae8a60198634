"""moto_server for the benchmark, with the three SQS costs that grow with the queue's length taken out.

    python moto_server.py -H 127.0.0.1 -p PORT      (the same arguments as moto_server)

Real SQS does not slow down as a queue fills; moto 5.2 does, and with the 2,000 queued requests of the
relay figure it spends most of its time on these, whoever the consumer is:

- `receive_message` checks every message it returns against the retention period by building *all* the
  queue's attributes, whose three approximate counts each scan the whole queue, three times over;
- those scans ask the clock twice per message, and moto's clock builds two `datetime`s for each answer;
- `delete_message` scans the queue twice, building a list of receipt handles for every message.

Each replacement returns what the original returns; only the cost changes. What moto spends per API call
(routing, Flask, logging, the list of visible messages every receive builds) and per message byte
(serialising, MD5) is left as it is: those are the stand-in's share of every figure, as the network and
the service are on AWS. scripts/bench runs its one moto through
this launcher; scripts/dev and the tests run moto_server as it comes.
"""

import contextlib
import sys
import threading
import time

import moto.core.utils as core_utils
from moto.server import main
from moto.sqs import models
from moto.sqs.exceptions import ReceiptHandleIsInvalid

datetime_unix_time = core_utils.unix_time


def unix_time(dt=None):
    """moto's `unix_time`, without building two datetimes for the current time."""
    return time.time() if dt is None else datetime_unix_time(dt)


def unix_time_millis(dt=None):
    return unix_time(dt) * 1000.0


def is_message_valid_based_on_retention_period(self, queue_name, message):
    """The original reads the period through `get_queue_attributes`, which computes every attribute."""
    retention_period = self.get_queue(queue_name).message_retention_period
    return retention_period + message.sent_timestamp / 1000 > unix_time()


DELETES = threading.Lock()


def delete_message(self, receipt_handle):
    """One scan that stops at the message, comparing handles instead of building a list per message.
    Under a lock: moto serves each request on its own thread, and two deletes that each rebuild the list
    from the same old one would put back the other's message (the relay sends deletes concurrently)."""
    with DELETES:
        delete_message_alone(self, receipt_handle)


def delete_message_alone(self, receipt_handle):
    if receipt_handle in self.deleted_messages:
        return  # already deleted: SQS accepts a second delete
    for index, message in enumerate(self._messages):
        if message.receipt_handle == receipt_handle or receipt_handle in message._old_receipt_handles:
            break
    else:
        raise ReceiptHandleIsInvalid()
    # A new list, as the original builds: a receive iterating over the old one is not disturbed.
    self._messages = self._messages[:index] + self._messages[index + 1 :]
    self.pending_messages.discard(message)
    self.deleted_messages.update(message.all_receipt_handles)


REPLACEMENTS = [
    (core_utils, "unix_time", unix_time),
    (core_utils, "unix_time_millis", unix_time_millis),
    (models, "unix_time", unix_time),  # models imported the names themselves
    (models, "unix_time_millis", unix_time_millis),
    (models.SQSBackend, "is_message_valid_based_on_retention_period", is_message_valid_based_on_retention_period),
    (models.Queue, "delete_message", delete_message),
]


@contextlib.contextmanager
def patched():
    """moto with the replacements above, restored on exit (bench/test_moto_server.py compares both)."""
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in REPLACEMENTS]
    for owner, name, replacement in REPLACEMENTS:
        setattr(owner, name, replacement)
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


if __name__ == "__main__":
    with patched():
        sys.exit(main())
