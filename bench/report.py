"""Issue #10's targets, checked against a report, and the one table scripts/bench prints.

Every target is listed, measured or not: a figure that misses is MISSING, one this run cannot measure yet
is "not measured yet", so nothing is hidden by leaving a row out.
"""

MB = 1024 * 1024


def checks(report):
    """One row per figure: figure, Rust value, Python value, ratio, target, status."""
    enqueue = report["functions"]["enqueue"]
    rust, python, ratios = enqueue["rust"], enqueue["python"], enqueue["ratios"]
    artifacts = enqueue["artifacts"]
    stand_in = enqueue["stand_in_send_message_us"]
    rows = []

    def row(figure, value, target, passed, python_value="", ratio=None):
        status = "info" if passed is None else ("PASS" if passed else "MISSING")
        rows.append({"figure": figure, "rust": value, "python": python_value,
                     "ratio": "" if ratio is None else f"1/{1 / ratio:.1f}" if ratio < 1 else f"{ratio:.2f}",
                     "target": target, "status": status})

    def ms(us):
        return f"{us / 1000:.2f} ms"

    def spread(figures):
        return f"{ms(figures['median'])} (p10 {figures['p10'] / 1000:.2f}, p90 {figures['p90'] / 1000:.2f})"

    row("enqueue binary, stripped, x86_64", f"{artifacts['binary_bytes_x86_64'] / MB:.2f} MB", "", None)
    zip_x86 = artifacts["zip_bytes_x86_64"]
    row("enqueue zip, x86_64", f"{zip_x86 / MB:.2f} MB", "< 2.5 MB", zip_x86 < 2.5 * MB,
        f"{artifacts['python_zip_bytes'] / 1024:.1f} KB + runtime's boto3")
    zip_arm = artifacts["zip_bytes_arm64"]
    if zip_arm is None:
        row("enqueue zip, arm64 (sam build)", "not built", "< 2.5 MB", False)
    else:
        row("enqueue zip, arm64 (sam build)", f"{zip_arm / MB:.2f} MB", "< 2.5 MB", zip_arm < 2.5 * MB)
    row("enqueue init (spawn → first /next), median", spread(rust["init_us"]), "≤ 1/50 of Python",
        ratios["init"] <= 1 / 50, spread(python["init_us"]), ratios["init"])
    row("enqueue first response, median", spread(rust["first_response_us"]), "≤ 1/12 of Python",
        ratios["first_response"] <= 1 / 12, spread(python["first_response_us"]), ratios["first_response"])
    rust_mem, python_mem = rust["peak_rss_kb"]["max"], python["peak_rss_kb"]["max"]
    mem_text = f"{rust_mem / 1024:.1f} MB"
    row("enqueue peak memory (VmHWM, worst start)", mem_text, "≤ 8 MB", rust_mem <= 8 * 1024,
        f"{python_mem / 1024:.1f} MB")
    row("enqueue peak memory, Rust/Python", mem_text, "≤ 1/6 of Python", rust_mem / python_mem <= 1 / 6,
        f"{python_mem / 1024:.1f} MB", rust_mem / python_mem)
    row("enqueue warm p50, 25 KB push", ms(rust["warm_us"]["p50"]), f"(moto alone {ms(stand_in['p50'])})", None,
        ms(python["warm_us"]["p50"]), ratios["warm_p50"])
    row("enqueue warm p99, 25 KB push", ms(rust["warm_us"]["p99"]), f"(moto alone {ms(stand_in['p99'])})", None,
        ms(python["warm_us"]["p99"]), ratios["warm_p99"])
    costs = report["cost_per_million"]
    row("cost per million webhooks, Function URL", f"${costs['rust']['function_url']:.3f}", "< $0.70",
        costs["rust"]["function_url"] < 0.70, f"${costs['python']['function_url']:.3f}")
    row("cost per million webhooks, HTTP API", f"${costs['rust']['http_api']:.3f}", "", None,
        f"${costs['python']['http_api']:.3f}")
    for result in report["criterion"]:
        row(f"criterion: {result['id']}", f"{result['median_ns'] / 1000:.2f} µs", "", None)
    for figure, target in [
        ("criterion: envelope building", ""),
        ("criterion: HMAC-SHA256 of 1 MB vs openssl speed", "≥ 2/3 of openssl"),
        ("criterion: matching 10,000 resources, p50", "< 10 µs"),
        ("relay throughput vs one-at-a-time Python watcher", "≥ 10× the watcher"),
        ("github-concourse: size, cold start, memory, warm", "as enqueue"),
    ]:
        rows.append({"figure": figure, "rust": "", "python": "", "ratio": "", "target": target,
                     "status": "not measured yet"})
    return rows


def print_table(report):
    rows = report["checks"]
    columns = [("figure", "figure"), ("rust", "Rust"), ("python", "Python"), ("ratio", "Rust/Python"),
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
