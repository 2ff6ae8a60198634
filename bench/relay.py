"""The relay's figures: `hookbox relay` beside the one-at-a-time watcher (bench/python/watcher.py), both
talking to the SQS stand-in through a delay proxy (`hookbox-bench delay-proxy`) that puts a network of
`rtt_ms` between them, as a relay behind a firewall is tens of ms from its SQS region.

- headline: per delay, the relay drains a queue of N enqueued 25 KB requests; the watcher takes the first
  W messages of a queue with the same contents (its rate is one message per two round trips however long
  the queue, and W keeps the 40 ms run short);
- curves: relay msgs/s against --concurrency and against message size (1 KB, 25 KB, 200 KB inline, 1 MB
  claim-checked: fetched from the stand-in's S3 through the same proxy).

The queues are filled straight at the stand-in, not through the proxy: only the consumers pay the delay.
"""

import hashlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CONCURRENCY = 32
CURVE_CONCURRENCY = (1, 2, 4, 8, 16, 32, 64)
QUICK_CURVE_CONCURRENCY = (1, 8, 64)
SIZES = (("1 KB", 1_000, False), ("25 KB", None, False), ("200 KB", 200_000, False), ("1 MB claim-checked", 1_000_000, True))
BODY_BUCKET = "bench-bodies"
METHOD = ("wall time of the relay process (start, drain, exit) for the relay; the watcher's own clock from "
          "its first receive to its last delete (its Python start is not counted against it); "
          "hookbox relay --once --wait 0s; the watcher receives one message at a time, no long polling. "
          "CPU per message: the stand-in's (from /proc/<pid>/stat) and the consumer's (getrusage of children)")


class DelayProxy:
    """`hookbox-bench delay-proxy` in front of the stand-in: `rtt_ms` per request, one more per connection."""

    def __init__(self, bench_bin, upstream_port, rtt_ms):
        self.command = [str(bench_bin), "delay-proxy", "--upstream", f"127.0.0.1:{upstream_port}",
                        "--rtt-ms", str(rtt_ms)]

    def __enter__(self):
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, text=True)
        self.endpoint = f"http://127.0.0.1:{json.loads(self.process.stdout.readline())['port']}"
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait(timeout=10)


class RelayBench:
    def __init__(self, args, stand_in, sqs, s3, target, local_aws, log_dir, fresh_queue):
        self.args, self.stand_in, self.sqs, self.s3, self.target = args, stand_in, sqs, s3, target
        self.local_aws, self.log_dir, self.fresh_queue = local_aws, log_dir, fresh_queue

    def figures(self, envelope):
        """Every relay figure of the run, for report.json."""
        quick = self.args.relay_messages < 1000
        rtts = self.args.sqs_rtt_ms
        headline = {str(rtt): self.headline(envelope, rtt) for rtt in rtts}
        curve_messages = self.args.curve_messages
        concurrency = QUICK_CURVE_CONCURRENCY if quick else CURVE_CONCURRENCY
        by_concurrency = {str(rtt): [self.point(envelope, rtt, c, curve_messages) for c in concurrency]
                          for rtt in rtts}
        self.s3.create_bucket(Bucket=BODY_BUCKET, CreateBucketConfiguration={"LocationConstraint":
                                                                           self.local_aws["AWS_REGION"]})
        by_size = {}
        for rtt in rtts:
            by_size[str(rtt)] = []
            for label, size, claim_check in SIZES:
                body = sized_envelope(envelope, size, claim_check, self.s3)
                point = self.point(body, rtt, CONCURRENCY, curve_messages)
                point["size"] = label
                by_size[str(rtt)].append(point)
        return {"stand_in": self.stand_in.name, "message_bytes": len(envelope.encode()),
                "messages": self.args.relay_messages, "watcher_messages": self.args.watcher_messages,
                "concurrency": CONCURRENCY, "by_rtt": headline,
                "curves": {"messages": curve_messages, "by_concurrency": by_concurrency, "by_size": by_size},
                "method": METHOD}

    def headline(self, envelope, rtt):
        runs = {"rust": [], "python": []}
        with DelayProxy(self.args.bench_bin, self.stand_in.port, rtt) as proxy:
            for round_ in range(self.args.relay_rounds):
                order = ("rust", "python") if round_ % 2 == 0 else ("python", "rust")
                for runtime in order:
                    if runtime == "rust":
                        run = self.drain(proxy, envelope, self.args.relay_messages, CONCURRENCY, "relay")
                    else:
                        run = self.watch(proxy, envelope)
                    runs[runtime].append(run)
                    print(f"  relay {runtime} at {rtt} ms: {run['msgs_per_s']} msgs/s", file=sys.stderr, flush=True)
        best = {runtime: statistics.median(run["msgs_per_s"] for run in runs[runtime]) for runtime in runs}
        return {"rtt_ms": rtt, "runs": runs, "rust_msgs_per_s": best["rust"], "python_watcher_msgs_per_s": best["python"],
                "ratio": round(best["rust"] / best["python"], 2),
                "stand_in_busy_share": statistics.median(run["stand_in_busy_share"] for run in runs["rust"])}

    def point(self, envelope, rtt, concurrency, messages):
        with DelayProxy(self.args.bench_bin, self.stand_in.port, rtt) as proxy:
            run = self.drain(proxy, envelope, messages, concurrency, f"curve-{rtt}ms-c{concurrency}")
        run.update({"rtt_ms": rtt, "concurrency": concurrency, "message_bytes": len(envelope.encode())})
        print(f"  relay at {rtt} ms, --concurrency {concurrency}, {len(envelope.encode())} B: {run['msgs_per_s']} msgs/s",
              file=sys.stderr, flush=True)
        return run

    def drain(self, proxy, envelope, messages, concurrency, label):
        """`hookbox relay --once` through `proxy` over a fresh queue of `messages` copies of `envelope`."""
        with self.fresh_queue(label) as queue_url:
            self.fill(queue_url, envelope, messages)
            command = [str(self.args.hookbox_bin), "relay", "--queue-url", queue_url, "--target",
                       f"{self.target.url}/hook", "--once", "--wait", "0s", "--concurrency", str(concurrency)]
            run, log = self.timed(command, proxy, f"relay-{label}")
            left = self.sqs.get_queue_attributes(
                QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages",
                                                    "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            if run["delivered"] < messages or any(int(v) for v in left.values()):
                sys.exit(f"relay {label} delivered {run['delivered']} of {messages}, queue left {left}; "
                         f"see {self.log_dir}")
            summary = re.search(r"receive_requests=(\d+).*?delete_requests=(\d+)", log)
            requests = int(summary[1]) + int(summary[2]) if summary else None
            run["sqs_requests_per_msg"] = round(requests / messages, 3) if requests else None
            run["msgs_per_s"] = round(messages / run["seconds"], 1)
            return run

    def watch(self, proxy, envelope):
        """The watcher through `proxy`, over the first `watcher_messages` of a queue filled as the relay's."""
        with self.fresh_queue("watcher") as queue_url:
            self.fill(queue_url, envelope, self.args.relay_messages)
            command = [sys.executable, str(Path(__file__).with_name("python") / "watcher.py"), queue_url,
                       f"{self.target.url}/hook", "--max-messages", str(self.args.watcher_messages)]
            run, log = self.timed(command, proxy, "watcher")
            own = json.loads(log.strip().splitlines()[-1])
            run["seconds"] = own["seconds"]
            run["msgs_per_s"] = round(own["delivered"] / own["seconds"], 1)
            run["sqs_requests_per_msg"] = round(own["sqs_requests"] / own["delivered"], 3)
            return run

    def timed(self, command, proxy, label):
        env = {**os.environ, **self.local_aws, "AWS_ENDPOINT_URL": proxy.endpoint}
        log_path = self.log_dir / f"{label}.log"
        before = self.target.count()
        stand_in_cpu, consumer_cpu = self.stand_in.cpu_seconds(), children_cpu_seconds()
        since = time.monotonic()
        with log_path.open("w") as log:
            subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=True, timeout=900)
        seconds = time.monotonic() - since
        stand_in_cpu = self.stand_in.cpu_seconds() - stand_in_cpu
        consumer_cpu = children_cpu_seconds() - consumer_cpu
        delivered = self.target.count() - before
        return ({"seconds": round(seconds, 3), "delivered": delivered,
                 "stand_in_cpu_ms_per_msg": round(stand_in_cpu * 1000 / max(delivered, 1), 3),
                 "consumer_cpu_ms_per_msg": round(consumer_cpu * 1000 / max(delivered, 1), 3),
                 "stand_in_busy_share": round(stand_in_cpu / seconds, 2)}, log_path.read_text())

    def fill(self, queue_url, body, count):
        attributes = {"route": {"DataType": "String", "StringValue": "mailbox"},
                      "content-type": {"DataType": "String", "StringValue": "application/json"}}
        per_batch = max(1, min(10, 200_000 // (len(body.encode()) + 100)))
        for first in range(0, count, per_batch):
            entries = [{"Id": str(i), "MessageBody": body, "MessageAttributes": attributes}
                       for i in range(first, min(count, first + per_batch))]
            self.sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


def sized_envelope(envelope, size, claim_check, s3):
    """`envelope` with a body of `size` bytes (None: as it is); claim-checked: the body in the stand-in's S3,
    as enqueue stores a body too large for a message."""
    if size is None:
        return envelope
    message = json.loads(envelope)
    body = "x" * size
    message.pop("body_base64", None)
    if claim_check:
        data = body.encode()
        key = f"bench/{size}"
        s3.put_object(Bucket=BODY_BUCKET, Key=key, Body=data)
        message.pop("body", None)
        message["body_s3"] = {"bucket": BODY_BUCKET, "key": key, "size": len(data),
                              "sha256": hashlib.sha256(data).hexdigest()}
    else:
        message["body"] = body
    return json.dumps(message, separators=(",", ":"))


def children_cpu_seconds():
    """User + system CPU time of the children this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
