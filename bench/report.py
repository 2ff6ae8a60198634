"""Issue #10's targets, checked against a report, and the one table scripts/bench prints.

Every target is listed, measured or not: a figure that misses its target, or that this run could not
measure, is MISSING, so nothing is hidden by leaving a row out.
"""

import statistics

MB = 1_000_000  # the targets are in MB; they are checked as decimal megabytes, the stricter reading

# The targets of issue #10 that name enqueue; the other functions' figures are shown beside Python
# without a target (their zip size has one: every function's zip ≤ 2 MB).
ENQUEUE = "enqueue"
# What each function is sent in the warm series, and which are reached over HTTP (the others are invoked by
# S3, with no Function URL or API in front).
EVENTS = {"enqueue": "25 KB push", "github-concourse": "25 KB push", "s3-concourse": "S3 ObjectCreated event"}
HTTP_FUNCTIONS = ("enqueue", "github-concourse")
# The relay's throughput over the watcher's, by the SQS round trip in ms.
RELAY_TARGETS = {10: 10, 40: 25}
MATCH_ID = "match a 20-commit push against 10,000 resources"
HMAC_ID = "hmac/HMAC-SHA256 of a 1 MB body, one secret"
ENVELOPE_ID = "envelope of a 25 KB GitHub push (event JSON to message)"


def checks(report):
    """One row per figure: figure, Rust value, Python value, ratio, target, status."""
    rows = []

    def row(figure, value, target, passed, python_value="", ratio=None, status=None):
        if status is None:
            status = "info" if passed is None else ("PASS" if passed else "MISSING")
        if isinstance(ratio, float):
            ratio = f"1/{1 / ratio:.1f}" if ratio < 1 else f"{ratio:.2f}"
        rows.append({"figure": figure, "rust": value, "python": python_value, "ratio": ratio or "",
                     "target": target, "status": status})

    def ms(us):
        return f"{us / 1000:.2f} ms"

    def spread(figures):
        return f"{ms(figures['median'])} (p10 {figures['p10'] / 1000:.2f}, p90 {figures['p90'] / 1000:.2f})"

    floor = report.get("floor")
    if floor is None:
        row("cold-start floor: hello-world lambda_runtime function", "not measured", "", False)
    else:
        row("cold-start floor: hello-world lambda_runtime, init / first response / peak memory",
            f"{ms(floor['init_us']['median'])} / {ms(floor['first_response_us']['median'])} / "
            f"{floor['peak_rss_kb']['max'] * 1024 / MB:.1f} MB", "", None)
    cross, enqueue = report.get("cross_check"), report["functions"].get(ENQUEUE, {})
    if cross and enqueue.get("rust"):
        rust, python = enqueue["rust"], enqueue["python"]
        other_rust, other_python = cross["enqueue-rust"], cross["enqueue-python"]
        row("enqueue init, second instrument (bench/emulator.py, Python)", ms(other_rust["init_us"]),
            f"(hookbox-bench: {ms(rust['init_us']['median'])})", None, ms(other_python["init_us"]),
            other_rust["init_us"] / other_python["init_us"])
        row("enqueue first response, second instrument", ms(other_rust["first_response_us"]),
            f"(hookbox-bench: {ms(rust['first_response_us']['median'])})", None,
            ms(other_python["first_response_us"]), other_rust["first_response_us"] / other_python["first_response_us"])
        row("enqueue peak memory, second instrument", f"{other_rust['vm_hwm_kb'] * 1024 / MB:.1f} MB",
            "", None, f"{other_python['vm_hwm_kb'] * 1024 / MB:.1f} MB")
        lean = cross.get("enqueue-python-lean")
        if lean:
            row("Python init: bench/python/enqueue.py vs the leanest boto3 handler (enqueue_lean.py)",
                ms(other_python["init_us"]), "(second instrument)", None, ms(lean["init_us"]))
        if "floor" in cross:
            row("floor init / first response, second instrument", f"{ms(cross['floor']['init_us'])} / "
                f"{ms(cross['floor']['first_response_us'])}", "", None)
    for name, function in report["functions"].items():
        sizes = function["artifacts"]
        python_zip = sizes.get("python_zip_bytes")
        python_zip = f"{python_zip / 1000:.1f} KB + runtime's boto3" if python_zip else ""
        # The target is on what `sam deploy` uploads: template.yaml deploys arm64.
        zip_arm = sizes["zip_bytes_arm64"]
        if zip_arm is None:
            row(f"{name} deployment zip, arm64", "not built in this run (scripts/bench --skip-arm64, or the build "
                "failed)", "≤ 2 MB", False, python_zip)
        else:
            # Checked in decimal MB; the MiB beside it is the unit of Lambda's own package quotas.
            row(f"{name} deployment zip, arm64", f"{zip_arm / MB:.3f} MB ({zip_arm / 2**20:.3f} MiB)", "≤ 2 MB",
                zip_arm <= 2 * MB, python_zip)
            row(f"{name} binary, stripped, arm64", f"{sizes['binary_bytes_arm64'] / MB:.3f} MB", "", None)
        if sizes["zip_bytes_x86_64"] is not None:
            row(f"{name} zip, x86_64 (the measured build)", f"{sizes['zip_bytes_x86_64'] / MB:.3f} MB", "", None)
        rust, python, ratios = function.get("rust"), function.get("python"), function.get("ratios")
        if rust is None:  # issue #10 asks for Python equivalents of enqueue and the GitHub notifier only
            row(f"{name} cold start, memory, warm latency", "not measured: no Python equivalent in bench/python",
                "", None)
            continue
        is_enqueue = name == ENQUEUE
        row(f"{name} init (spawn → first /next), median", spread(rust["init_us"]),
            "≤ 1/80 of Python" if is_enqueue else "", ratios["init"] <= 1 / 80 if is_enqueue else None,
            spread(python["init_us"]), ratios["init"])
        row(f"{name} first response, median", spread(rust["first_response_us"]),
            "≤ 1/40 of Python" if is_enqueue else "",
            ratios["first_response"] <= 1 / 40 if is_enqueue else None,
            spread(python["first_response_us"]), ratios["first_response"])
        rust_mem, python_mem = rust["peak_rss_kb"]["max"], python["peak_rss_kb"]["max"]
        mem_text, python_mem_text = f"{rust_mem * 1024 / MB:.1f} MB", f"{python_mem * 1024 / MB:.1f} MB"
        if is_enqueue:  # VmHWM is in KiB
            row(f"{name} peak memory (VmHWM, worst start)", mem_text, "≤ 5 MB", rust_mem * 1024 <= 5 * MB,
                python_mem_text)
        row(f"{name} peak memory, Rust/Python", mem_text, "≤ 1/6 of Python" if is_enqueue else "",
            rust_mem / python_mem <= 1 / 6 if is_enqueue else None, python_mem_text, rust_mem / python_mem)
        floor = function.get("above_floor")
        if floor:
            row(f"{name} above the floor: init, first response, peak memory",
                f"+{ms(floor['init_us'])}, +{ms(floor['first_response_us'])}, "
                f"+{floor['peak_rss_kb'] * 1024 / MB:.1f} MB", "", None)
        stand_in, alone = function["stand_in_us"], function["stand_in"]
        event = EVENTS.get(name, "its event")
        row(f"{name} warm p50, {event}", ms(rust["warm_us"]["p50"]), f"({alone} alone {ms(stand_in['p50'])})",
            None, ms(python["warm_us"]["p50"]), ratios["warm_p50"])
        row(f"{name} warm p99, {event}", ms(rust["warm_us"]["p99"]), f"({alone} alone {ms(stand_in['p99'])})",
            None, ms(python["warm_us"]["p99"]), ratios["warm_p99"])
        costs = report["cost_per_million"][name]
        if name in HTTP_FUNCTIONS:
            row(f"{name} cost per million webhooks, Function URL", f"${costs['rust']['function_url']:.3f}",
                "≤ $0.61" if is_enqueue else "", costs["rust"]["function_url"] <= 0.61 if is_enqueue else None,
                f"${costs['python']['function_url']:.3f}")
            row(f"{name} cost per million webhooks, HTTP API", f"${costs['rust']['http_api']:.3f}", "", None,
                f"${costs['python']['http_api']:.3f}")
        else:  # invoked by S3 itself: Lambda's own charges only
            row(f"{name} cost per million events", f"${costs['rust']['function_url']:.3f}", "", None,
                f"${costs['python']['function_url']:.3f}")

    by_size = report.get("enqueue_by_size")
    if by_size:
        for point in by_size["points"]:
            how = "claim check" if point["claim_checked"] else "in the message"
            row(f"enqueue warm p50 / p99 and cost, a {point['size']} body ({how})",
                f"{ms(point['warm_us']['p50'])} / {ms(point['warm_us']['p99'])}, "
                f"${point['cost_per_million_function_url']:.3f} per million", f"(Function URL; {by_size.get('stand_in', 'moto')})", None)
    fanout = report.get("fanout")
    if fanout:
        for point in fanout["points"]:
            row(f"github-concourse warm p50 / p99, a push matching {point['resources']} resources",
                f"{ms(point['warm_us']['p50'])} / {ms(point['warm_us']['p99'])}",
                f"(fake ATC: {fanout['atc_ms']} ms per check, checks in parallel)", None)
    relay = report.get("relay")
    if relay is None:
        row("relay throughput vs one-at-a-time Python watcher", "not measured", "≥ 10× the watcher", False)
    else:
        size = f"{relay['message_bytes'] / 1000:.0f} KB"
        for rtt, figures in relay["by_rtt"].items():
            wanted = RELAY_TARGETS.get(int(rtt))
            row(f"relay, SQS {rtt} ms away: {relay['messages']} queued {size} requests ({relay['stand_in']})",
                f"{figures['rust_msgs_per_s']:.0f} msgs/s", f"≥ {wanted}× the watcher" if wanted else "",
                figures["ratio"] >= wanted if wanted else None,
                f"{figures['python_watcher_msgs_per_s']:.0f} msgs/s (watcher)", f"{figures['ratio']:.1f}×")

            def per_message(runtime, key, figures=figures):
                return statistics.median(run[key] for run in figures["runs"][runtime])

            row(f"relay, {rtt} ms: SQS requests per message (receives and deletes)",
                f"{per_message('rust', 'sqs_requests_per_msg'):.3f}", "", None,
                f"{per_message('python', 'sqs_requests_per_msg'):.3f}")
            row(f"relay, {rtt} ms: the consumer's own CPU per message",
                f"{per_message('rust', 'consumer_cpu_ms_per_msg'):.2f} ms", "", None,
                f"{per_message('python', 'consumer_cpu_ms_per_msg'):.2f} ms")
            row(f"relay, {rtt} ms: {relay['stand_in']}'s CPU per message",
                f"{per_message('rust', 'stand_in_cpu_ms_per_msg'):.2f} ms",
                f"(busy {figures['stand_in_busy_share']:.0%} of the relay's run)", None,
                f"{per_message('python', 'stand_in_cpu_ms_per_msg'):.2f} ms")
        for name, run in relay.get("stand_in_comparison", {}).items():
            row(f"stand-in {name}: relay at 0 ms, {run['delivered']} messages", f"{run['msgs_per_s']:.0f} msgs/s",
                f"(stand-in CPU {run['stand_in_cpu_ms_per_msg']:.2f} ms/msg, busy {run['stand_in_busy_share']:.0%})",
                None)
        for rtt, points in relay["curves"]["by_concurrency"].items():
            row(f"relay curve, {rtt} ms: msgs/s at --concurrency "
                + ",".join(str(p["concurrency"]) for p in points),
                " ".join(f"{p['msgs_per_s']:.0f}" for p in points), "(relay-concurrency.png)", None)
        for rtt, points in relay["curves"]["by_size"].items():
            row(f"relay curve, {rtt} ms: msgs/s at " + ", ".join(p["size"] for p in points),
                " ".join(f"{p['msgs_per_s']:.0f}" for p in points), "(relay-size.png)", None)
    row("relay: nothing lost when killed -9 mid-drain", "checked by cargo test --test end_to_end (scripts/test)",
        "0 lost", None)

    by_id = {result["id"]: result for result in report["criterion"]}
    for result in report["criterion"]:
        if result["id"] in (MATCH_ID, HMAC_ID):
            continue
        row(f"criterion: {result['id']}", f"{result['median_ns'] / 1000:.2f} µs", "", None)
    if ENVELOPE_ID not in by_id:
        row(f"criterion: {ENVELOPE_ID}", "not run", "", False)
    match = by_id.get(MATCH_ID)
    if match is None:
        row(f"criterion: {MATCH_ID}, p50", "not run", "< 10 µs", False)
    else:
        row(f"criterion: {MATCH_ID}, p50", f"{match['median_ns'] / 1000:.2f} µs", "< 10 µs",
            match["median_ns"] < 10_000)
    hmac, openssl = by_id.get(HMAC_ID), report.get("openssl")
    if hmac is None or openssl is None:
        row("criterion: HMAC-SHA256 of 1 MB vs openssl speed -evp sha256",
            "not run" if hmac is None else "openssl missing", "≥ 2/3 of openssl", False)
    else:
        rate = hmac["bytes"] / hmac["median_ns"] * 1e9
        ratio = rate / openssl["bytes_per_s"]
        row("criterion: HMAC-SHA256 of 1 MB vs openssl speed -evp sha256",
            f"{rate / 1e9:.2f} GB/s ({hmac['median_ns'] / 1000:.0f} µs)", "≥ 2/3 of openssl", ratio >= 2 / 3,
            f"openssl {openssl['bytes_per_s'] / 1e9:.2f} GB/s", f"{ratio:.2f}")
    build, measuring = report.get("build_seconds"), report["elapsed_seconds"]
    row("this run's measuring (everything after the builds)", f"{measuring / 60:.1f} min", "< 10 min",
        measuring < 10 * 60)
    if build is None:
        row("this run's builds", "not timed", "", None)
    else:
        cached = "reused (--reuse-builds)" if report.get("reused_builds") else (
            "from nothing" if report.get("fresh_build") else "partly cached")
        row(f"this run's installs and builds ({cached})", f"{build / 60:.1f} min", "(reported apart)", None)
    return rows


def print_table(report):
    rows = report["checks"]
    columns = [("figure", "figure"), ("rust", "Rust"), ("python", "Python / reference"), ("ratio", "Rust/Python"),
               ("target", "target"), ("status", "status")]
    widths = {key: max(len(title), *(len(str(row[key])) for row in rows)) for key, title in columns}
    line = "  ".join(title.ljust(widths[key]) for key, title in columns)
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(str(row[key]).ljust(widths[key]) for key, _ in columns))
    method = report["method"]
    print(f"\n{method['starts_per_runtime']} cold starts per runtime, {method['warm_invocations_per_start']} warm "
          f"invocations after each; {method['event']}; {method['stand_in']}. Cost: 128 MB arm64, "
          f"{report['cost_per_million']['assumptions']['cold_start_share']:.0%} cold starts, prices in bench/run.py.")
