"""The run's figures as a table (printed by the locust process and, with server figures, by the runner)."""

from __future__ import annotations

import statistics
from typing import Any

METRIC_ORDER = ("sync cycle", "change delivery", "offline burst sync", "sync cycle (shared plan)", "first download")


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def format_table(summary: dict[str, Any], extra: list[tuple[str, str]] | None = None) -> str:
    rows: list[tuple[str, str]] = []
    devices = ", ".join(f"{kind} {count}" for kind, count in sorted(summary["devices"].items()))
    rows.append(("target", str(summary["target"])))
    rows.append(("measured", f"{summary['seconds']} s of steady state (after every device had started)"))
    rows.append(("devices", f"{summary['devices_total']} ({devices})"))
    rows.append(("requests/s (HTTP)", f"{summary['requests_per_s']:,.1f} ({summary['http_requests']:,} requests)"))
    rows.append(
        (
            "docs/s (up + down)",
            f"{summary['docs_per_s']:,.1f} ({summary['docs_up']:,} pushed, {summary['docs_down']:,} pulled)",
        )
    )
    per_cycle: dict[str, float] = summary.get("requests_per_cycle", {})
    if per_cycle:
        cycles: dict[str, int] = summary["cycles"]
        shown = "  ".join(f"{kind} {per_cycle[kind]:.1f} (n={cycles[kind]:,})" for kind in sorted(per_cycle))
        rows.append(("requests per sync cycle", shown))
    metrics: dict[str, dict[str, float]] = summary["metrics"]
    names = [n for n in METRIC_ORDER if n in metrics] + sorted(set(metrics) - set(METRIC_ORDER))
    for name in names:
        m = metrics[name]
        rows.append(
            (
                f"{name} (ms)",
                f"p50 {_ms(m['p50'])}  p95 {_ms(m['p95'])}  p99 {_ms(m['p99'])}  max {_ms(m['max'])}"
                f"  (n={m['count']:,})",
            )
        )
    for key, label in (
        ("first_download_docs_per_s", "first download docs/s"),
        ("offline_burst_docs_per_s", "offline burst docs/s"),
    ):
        values = summary[key]
        if values:
            median = statistics.median(values)
            rows.append((label, f"median {median:,.0f}  min {min(values):,.0f}  (n={len(values)})"))
    rows.append(
        (
            "failures",
            f"{summary['failures']} failed requests, {summary['exceptions']} exceptions,"
            f" {summary.get('setup_failures', 0)} devices failed to enrol or join",
        )
    )
    if summary["retries"]:
        rows.append(("retries", f"{summary['retries']} attempts retried while the server was unreachable"))
    c = summary["convergence"]
    verdict = "OK" if c["ok"] else "FAILED"
    rows.append(
        (
            "convergence",
            f"{verdict}: {c['devices']} devices, {c['plans']} plans, {c['documents']:,} documents"
            " agree with the server",
        )
    )
    lost = c["lost"] + c["acknowledged_lost"]
    rows.append(
        (
            "nothing lost",
            f"{'OK' if lost == 0 else 'FAILED'}: {c['acknowledged_checked']:,} acknowledged writes kept"
            f" ({c['acknowledged_lost']} gone); {c['edits_checked']:,} revisions written,"
            f" {c['lost']} missing at the end",
        )
    )
    if summary["conflicts_resolved"] or c["outstanding_conflicts"]:
        rows.append(
            (
                "conflicts",
                f"{summary['conflicts_resolved']} losing revisions resolved,"
                f" {c['outstanding_conflicts']} documents still in conflict",
            )
        )
    rows.extend(extra or [])
    if summary["limits"]:
        rows.append(("p95 limits (ms)", ", ".join(f"{k} ≤ {v:,.0f}" for k, v in summary["limits"].items())))
    rows.append(("gate", "PASS" if summary["gate"] == "pass" else "FAIL: " + "; ".join(summary["gate_reasons"])))
    width = max(len(label) for label, _ in rows)
    lines = ["", "== Alongside load test summary " + "=" * 40]
    lines += [f"{label.ljust(width)}  {value}" for label, value in rows]
    for key in ("failure_examples", "exception_examples", "setup_examples"):
        for example in summary.get(key, []):
            lines.append(f"  {key.split('_')[0]}: {example}")
    for problem in (c["mismatches"] + c["sync_errors"])[:10]:
        lines.append(f"  convergence: {problem}")
    return "\n".join(lines)
