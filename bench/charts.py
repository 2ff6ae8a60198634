"""The report's charts, as PNGs beside report.json: the relay's msgs/s against --concurrency and against
message size, one line per network delay. matplotlib (bench/requirements.txt) brings its own fonts, so
the charts need nothing from the system."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen


def write_charts(report, out_dir):
    """Writes every chart the report has data for and returns their file names."""
    relay = report.get("relay")
    if not relay:
        return []
    curves = relay["curves"]
    written = []
    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    for rtt, points in curves["by_concurrency"].items():
        axes.plot([p["concurrency"] for p in points], [p["msgs_per_s"] for p in points], marker="o",
                  label=f"SQS {rtt} ms away")
    watcher = {rtt: figures["python_watcher_msgs_per_s"] for rtt, figures in relay["by_rtt"].items()}
    for rtt, rate in watcher.items():
        axes.axhline(rate, linestyle=":", color="grey")
        axes.annotate(f"one-at-a-time watcher, {rtt} ms", (1, rate), textcoords="offset points", xytext=(2, 3),
                      fontsize=8, color="grey")
    axes.set_xscale("log", base=2)
    axes.set_xticks([p["concurrency"] for p in next(iter(curves["by_concurrency"].values()))])
    axes.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
    axes.set_xlabel("hookbox relay --concurrency")
    axes.set_ylabel("messages per second")
    axes.set_title(f"relay throughput, {curves['messages']} queued 25 KB requests ({relay['stand_in']})")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(out_dir / "relay-concurrency.png")
    plt.close(figure)
    written.append("relay-concurrency.png")

    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    width = 0.8 / len(curves["by_size"])
    for index, (rtt, points) in enumerate(curves["by_size"].items()):
        positions = [i + (index - (len(curves["by_size"]) - 1) / 2) * width for i in range(len(points))]
        bars = axes.bar(positions, [p["msgs_per_s"] for p in points], width, label=f"SQS {rtt} ms away")
        axes.bar_label(bars, fmt="%.0f", fontsize=7)
    labels = [p["size"] for p in next(iter(curves["by_size"].values()))]
    axes.set_xticks(range(len(labels)), labels)
    axes.set_xlabel("message body (1 MB: in S3, fetched by the relay)")
    axes.set_ylabel("messages per second")
    axes.set_title(f"relay throughput by message size, --concurrency {relay['concurrency']}")
    axes.grid(True, axis="y", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(out_dir / "relay-size.png")
    plt.close(figure)
    written.append("relay-size.png")
    return written
