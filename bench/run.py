"""The benchmark run behind scripts/bench: measures every function beside its Python equivalent in one
run, prints one table and writes target/bench/report.json.

scripts/bench builds the binaries and calls this with the venv's Python. The measuring itself is done by
the Rust emulator `hookbox-bench` (crates/hookbox-bench); this script starts moto, makes a fresh queue for
every measured series, interleaves the Rust and Python series, and turns the samples into figures.
"""

import argparse
import contextlib
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import boto3

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
}
MEMORY_GB = 128 / 1024
# Lambda bills the init phase of every cold start (since 2025-08-01, managed runtimes too). What share of
# invocations are cold depends on traffic; 1% is a conservative figure for a webhook endpoint.
COLD_START_SHARE = 0.01


def main():
    args = parse_args()
    out_dir = args.out.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    event_file = out_dir / "event-github-push-25k.json"
    event = github_push_event(args.repo / "events" / "enqueue-github-push-httpapi.json")
    event_file.write_text(json.dumps(event))

    with Moto(args.venv_bin / "moto_server", out_dir / "moto.log") as moto:
        sqs = boto3.client("sqs", endpoint_url=moto.endpoint, region_name=REGION,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        runner = Runner(args, moto, sqs, event_file)
        envelope_file = out_dir / "envelope-github-push-25k.json"
        envelope_file.write_text(sample_envelope(args.repo, event))
        samples = runner.interleaved_series(envelope_file)

    enqueue = {
        "artifacts": artifacts(args),
        "rust": summarize(samples["rust"]),
        "python": summarize(samples["python"]),
        "stand_in_send_message_us": percentiles(samples["stand_in"]),
    }
    enqueue["ratios"] = ratios(enqueue["rust"], enqueue["python"])
    report = {
        "schema": 1,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "kernel": platform.release(),
                 "python": platform.python_version()},
        "method": {
            "starts_per_runtime": args.starts,
            "warm_invocations_per_start": args.invocations,
            "discarded_warmup_starts_per_runtime": 1,
            "event": "API Gateway HTTP API (payload 2.0) GitHub push, body %d bytes" % len(event["body"]),
            "stand_in": "moto_server on 127.0.0.1, a fresh queue for every series",
            "order": "rounds alternate Rust-first and Python-first",
        },
        "functions": {"enqueue": enqueue, "relay": None, "github-concourse": None},
        "criterion": [] if args.skip_criterion else criterion(args),
        "prices": PRICES,
        "cost_per_million": {
            "rust": cost(enqueue["rust"], samples["message_bytes"]),
            "python": cost(enqueue["python"], samples["message_bytes"]),
            "assumptions": {"memory_mb": 128, "architecture": "arm64", "cold_start_share": COLD_START_SHARE,
                            "billed_duration": "warm p50 rounded up to 1 ms, plus init on cold starts",
                            "note": "durations measured against moto on this host, not against SQS"},
        },
    }
    report["checks"] = checks(report)
    report["elapsed_seconds"] = round(time.monotonic() - started, 1)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print_table(report)
    print(f"\nreport: {args.out}")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--bench-bin", type=Path, required=True, help="the hookbox-bench emulator")
    parser.add_argument("--enqueue-bin", type=Path, required=True, help="enqueue built in release")
    parser.add_argument("--venv-bin", type=Path, default=Path(sys.executable).parent)
    parser.add_argument("--arm64-bootstrap", type=Path, help="enqueue built for arm64, when it has been")
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--invocations", type=int, default=200)
    parser.add_argument("--rtt-count", type=int, default=50, help="stand-in round trips per round")
    parser.add_argument("--skip-criterion", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args()


class Moto:
    """moto_server on a free port of 127.0.0.1, stopped on exit."""

    def __init__(self, program, log):
        self.program, self.log = program, log

    def __enter__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([str(self.program), "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"moto_server exited; see {self.log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.process.kill()
        sys.exit(f"moto_server did not listen within 60 s; see {self.log}")

    def __exit__(self, *_):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Runner:
    """Runs the measured series, each against a fresh queue."""

    def __init__(self, args, moto, sqs, event_file):
        self.args, self.moto, self.sqs, self.event_file = args, moto, sqs, event_file
        self.log_dir = args.out.parent / "logs"
        self.log_dir.mkdir(exist_ok=True)
        self.queues = 0

    def interleaved_series(self, envelope_file):
        samples = {"rust": [], "python": [], "stand_in": []}
        for runtime in ("rust", "python"):  # warm the file cache; not counted
            self.start(runtime, self.args.invocations)
        for round_ in range(self.args.starts):
            order = ("rust", "python") if round_ % 2 == 0 else ("python", "rust")
            for runtime in order:
                samples[runtime].append(self.start(runtime, self.args.invocations))
            samples["stand_in"] += self.stand_in(envelope_file)
            print(f"  round {round_ + 1}/{self.args.starts} done", file=sys.stderr)
        samples["message_bytes"] = envelope_file.stat().st_size
        return samples

    def start(self, runtime, invocations):
        """One cold start plus `invocations` warm ones, against a fresh queue."""
        with self.fresh_queue(runtime) as queue_url:
            env = {**LOCAL_AWS, "AWS_ENDPOINT_URL": self.moto.endpoint, "HOOKBOX_QUEUE_MAILBOX": queue_url}
            if runtime == "rust":
                command = [str(self.args.enqueue_bin)]
            else:
                task_root = self.args.repo / "bench" / "python"
                env.update({"_HANDLER": "enqueue.handler", "LAMBDA_TASK_ROOT": str(task_root),
                            "PYTHONPATH": str(task_root)})
                command = [sys.executable, "-m", "awslambdaric", "enqueue.handler"]
            options = ["--name", f"enqueue-{runtime}", "--event", str(self.event_file),
                       "--invocations", str(invocations), "--log", str(self.log_dir / f"enqueue-{runtime}.log")]
            for name, value in env.items():
                options += ["--env", f"{name}={value}"]
            result = self.emulator(["lambda", *options, "--", *command])
        statuses = result["statuses"]
        if result["errors"] or set(statuses) != {"202"}:
            sys.exit(f"enqueue-{runtime} did not answer 202 to every request: {statuses}, "
                     f"{result['errors']} errors; see {self.log_dir}")
        return result

    def stand_in(self, envelope_file):
        with self.fresh_queue("stand-in") as queue_url:
            result = self.emulator(["sqs-rtt", "--endpoint", f"127.0.0.1:{self.moto.port}", "--region", REGION,
                                    "--queue-url", queue_url, "--body-file", str(envelope_file),
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
            self.sqs.delete_queue(QueueUrl=url)  # moto keeps every message in memory


def github_push_event(sample_file):
    """The sample HTTP API event with a GitHub push padded to about 25 KB, as validation.rs builds it."""
    event = json.loads(sample_file.read_text())

    def commit(i):
        return {"id": f"{i:040x}", "message": f"Change {i}: {'x' * 120}", "timestamp": "2026-11-23T12:00:00Z",
                "author": {"name": "José", "email": "jose@example.com"}, "added": [f"src/new_{i}.rs"],
                "removed": [], "modified": ["README.md", f"src/lib_{i}.rs"]}

    commits = [commit(i) for i in range(68)]
    body = json.dumps({"ref": "refs/heads/main", "before": "0" * 40, "after": "1" * 40,
                       "repository": {"full_name": "example/app", "default_branch": "main"},
                       "head_commit": commits[0], "commits": commits}, ensure_ascii=False)
    event["body"] = body
    event["isBase64Encoded"] = False
    event["headers"]["content-length"] = str(len(body.encode()))
    return event


def sample_envelope(repo, event):
    """The message the functions send for the event, built by the Python handler's own code."""
    sys.path.insert(0, str(repo / "bench" / "python"))
    os.environ.setdefault("HOOKBOX_QUEUE_MAILBOX", "unused")
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    import enqueue  # noqa: PLC0415 - needs the environment above

    return json.dumps(enqueue.envelope(event, "bench"), ensure_ascii=False, separators=(",", ":"))


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


def ratios(rust, python):
    """Rust / Python of each median (p50 and p99 for warm latency): below 1 is Rust ahead."""
    def ratio(a, b):
        return round(a / b, 4) if b else None

    return {
        "init": ratio(rust["init_us"]["median"], python["init_us"]["median"]),
        "first_response": ratio(rust["first_response_us"]["median"], python["first_response_us"]["median"]),
        "peak_rss": ratio(rust["peak_rss_kb"]["median"], python["peak_rss_kb"]["median"]),
        "warm_p50": ratio(rust["warm_us"]["p50"], python["warm_us"]["p50"]),
        "warm_p99": ratio(rust["warm_us"]["p99"], python["warm_us"]["p99"]),
    }


def artifacts(args):
    """Deployment sizes: the stripped binary and its zip as cargo-lambda packs it (one `bootstrap`)."""
    out = args.out.parent
    arm64 = args.arm64_bootstrap if args.arm64_bootstrap and elf_machine(args.arm64_bootstrap) == AARCH64 else None
    python_zip = out / "enqueue-python.zip"
    with zipfile.ZipFile(python_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(args.repo / "bench" / "python" / "enqueue.py", "enqueue.py")
    return {
        "binary_bytes_x86_64": args.enqueue_bin.stat().st_size,
        "zip_bytes_x86_64": lambda_zip(args.enqueue_bin, out / "enqueue-x86_64.zip"),
        "binary_bytes_arm64": arm64.stat().st_size if arm64 else None,
        "zip_bytes_arm64": lambda_zip(arm64, out / "enqueue-arm64.zip") if arm64 else None,
        "python_zip_bytes": python_zip.stat().st_size,
        "python_zip_note": "boto3 comes with the Lambda Python runtime and is not in the zip",
    }


AARCH64 = 183  # ELF e_machine


def elf_machine(binary):
    with binary.open("rb") as file:
        header = file.read(20)
    return int.from_bytes(header[18:20], "little") if header[:4] == b"\x7fELF" else None


def lambda_zip(binary, zip_path):
    """Zips `binary` as the deployment package's `bootstrap` and returns the zip's size."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, binary.read_bytes())
    return zip_path.stat().st_size


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
    """Runs every criterion bench of the workspace and reads the medians criterion saved."""
    benches = sorted(args.repo.glob("crates/*/benches/*.rs")) + sorted(args.repo.glob("functions/*/benches/*.rs"))
    results = []
    criterion_dir = Path(os.environ.get("CARGO_TARGET_DIR", args.repo / "target")) / "criterion"
    for bench in benches:
        package = bench.parent.parent.name
        since = time.time()
        print(f"==> cargo bench -p {package} --bench {bench.stem}", file=sys.stderr, flush=True)
        subprocess.run(["cargo", "bench", "--quiet", "-p", package, "--bench", bench.stem],
                       cwd=args.repo, check=True, timeout=900, stdout=subprocess.DEVNULL)
        for estimates in criterion_dir.glob("**/new/estimates.json"):
            if estimates.stat().st_mtime < since:
                continue
            meta = json.loads((estimates.parent / "benchmark.json").read_text())
            median_ns = json.loads(estimates.read_text())["median"]["point_estimate"]
            results.append({"package": package, "bench": bench.stem, "id": meta["full_id"],
                            "median_ns": round(median_ns, 1)})
    return results


if __name__ == "__main__":
    main()
