"""The local stand-in for an internal service in scripts/dev: prints every request it receives (method,
path and query, headers, body) as one JSON line and answers 200, so a user sees what the relay
delivers. Run with the project venv's Python: python scripts/echo_target.py --port 9100"""

import argparse
import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# The server answers on a thread per connection and the relay delivers concurrently: one locked write
# per record, so that two records never share a line.
OUTPUT = threading.Lock()


def emit(stream, line):
    with OUTPUT:
        stream.write(line + "\n")
        stream.flush()


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        try:
            shown = {"body": body.decode("utf-8")}
        except UnicodeDecodeError:
            shown = {"body_base64": base64.b64encode(body).decode("ascii")}
        record = {"method": self.command, "target": self.path,
                  "headers": [[name.lower(), value] for name, value in self.headers.items()], **shown}
        emit(sys.stdout, json.dumps(record, ensure_ascii=False))
        reply = b'{"echo": "ok"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, format, *args):
        emit(sys.stderr, format % args)


class EchoServer(ThreadingHTTPServer):
    # A relay opens up to --concurrency connections at once; the default backlog of 5 resets the rest.
    request_queue_size = 128
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    EchoServer(("127.0.0.1", args.port), Echo).serve_forever()


if __name__ == "__main__":
    main()
