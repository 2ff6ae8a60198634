"""The relay's rows of the report: each delay's ratio judged against its own target, and a run without the
relay shown as MISSING, never left out."""

import unittest

from report import checks


def relay_report(ratio_10, ratio_40):
    def figures(ratio):
        run = {"sqs_requests_per_msg": 0.2, "consumer_cpu_ms_per_msg": 0.3, "stand_in_cpu_ms_per_msg": 0.5}
        return {"rust_msgs_per_s": 100.0 * ratio, "python_watcher_msgs_per_s": 100.0, "ratio": ratio,
                "stand_in_busy_share": 0.2, "runs": {"rust": [run], "python": [run]}}

    relay = {"stand_in": "fauxqs", "message_bytes": 28_000, "messages": 2000, "concurrency": 32,
             "by_rtt": {"10": figures(ratio_10), "40": figures(ratio_40)},
             "curves": {"messages": 600, "by_concurrency": {}, "by_size": {}}}
    return {"functions": {}, "relay": relay, "criterion": [], "openssl": None, "elapsed_seconds": 300,
            "build_seconds": 60}


def status(rows, start):
    return [row["status"] for row in rows if row["figure"].startswith(start)]


class RelayRows(unittest.TestCase):
    def test_each_delay_has_its_own_target(self):
        rows = checks(relay_report(ratio_10=12, ratio_40=20))
        self.assertEqual(status(rows, "relay, SQS 10 ms away"), ["PASS"])
        self.assertEqual(status(rows, "relay, SQS 40 ms away"), ["MISSING"])

    def test_a_run_without_the_relay_says_so(self):
        report = relay_report(12, 30)
        report["relay"] = None
        self.assertEqual(status(checks(report), "relay throughput"), ["MISSING"])

    def test_measuring_over_ten_minutes_misses(self):
        report = relay_report(12, 30)
        report["elapsed_seconds"] = 601
        self.assertEqual(status(checks(report), "this run's measuring"), ["MISSING"])


if __name__ == "__main__":
    unittest.main()
