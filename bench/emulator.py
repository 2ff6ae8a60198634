"""A second, independent Lambda Runtime API emulator, in Python: the cross-check of hookbox-bench's cold-start
figures. It spawns the function the same way (the clock starts before the fork), serves /next and the
response on its own HTTP server (http.server, one thread per connection), and reads VmHWM the same way, so
that the difference between the two instruments is what the instrument adds, not what the function does.

    python emulator.py --event FILE --log FILE [--env K=V]... -- CMD ARGS...

Prints {"init_us", "first_response_us", "vm_hwm_kb"} for one cold start and its first invocation.
"""

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PREFIX = "/2018-06-01/runtime/"
REQUEST_ID = "00000000-0000-4000-8000-000000000000"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--event", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    print(json.dumps(cold_start(args.command, dict(pair.split("=", 1) for pair in args.env),
                                args.event.read_bytes(), args.log)))


def cold_start(command, env, event, log):
    reports = queue.Queue()
    events = queue.Queue()
    events.put(event)

    class Api(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path == PREFIX + "invocation/next":
                reports.put(("next", time.monotonic_ns()))
                try:
                    body = events.get(timeout=30)
                except queue.Empty:
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Lambda-Runtime-Aws-Request-Id", REQUEST_ID)
                self.send_header("Lambda-Runtime-Trace-Id",
                                 "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0")
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:eu-west-1:123456789012:function:bench")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            reports.put(("post", time.monotonic_ns(), self.path, body))
            self.send_response(202)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8",
                   "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
                   "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
                   "AWS_LAMBDA_LOG_STREAM_NAME": "bench", "AWS_EXECUTION_ENV": "hookbox-bench-python", **env}
    with log.open("w") as output:
        started = time.monotonic_ns()
        process = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT)
        try:
            kind, ready = reports.get(timeout=30)[:2]
            if kind != "next":
                sys.exit(f"expected /next first, got {kind}")
            report = reports.get(timeout=30)
            if report[0] != "post" or not report[2].endswith("/response"):
                sys.exit(f"the function did not answer: {report[2]} {report[3][:500]!r}")
            responded = report[1]
            reports.get(timeout=30)  # its next /next: the invocation's work is done
            status = Path(f"/proc/{process.pid}/status").read_text()
            hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        finally:
            process.kill()
            process.wait()
            server.shutdown()
    return {"init_us": (ready - started) // 1000, "first_response_us": (responded - started) // 1000,
            "vm_hwm_kb": hwm}


if __name__ == "__main__":
    main()
