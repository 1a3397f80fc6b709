"""The harness's results as a markdown table, with the targets checked."""

SERVICES = ("collections", "locations", "analytics")
MB = 1024 * 1024


def share(results: dict, name: str) -> float:
    """A scenario's req/s as a share of the Flask floor's turns beside it
    (of the run at the start, for the floors and older results)."""
    scenarios = results["scenarios"]
    figures = scenarios[name]
    return figures["rps"] / figures.get("floor_rps", scenarios["Flask floor"]["rps"])


def _targets(results: dict) -> list[tuple[str, bool]]:
    scenarios = results["scenarios"]
    half = next(f for f in results["fixed_rate"] if f["share"] == 0.5)
    checks = [
        ("GET one >= 60% of the Flask floor", share(results, "GET one collection") >= 0.6),
        ("GET one p99 at 50% load <= 10 ms", half["p99_ms"] <= 10),
        ("list 100 >= 25% of the floor", share(results, "list 100, filtered") >= 0.25),
        ("POST >= 40% of the floor", share(results, "POST a collection") >= 0.4),
        ("no errors", not any(s["errors"] for s in scenarios.values())),
    ]
    for name, peak in results.get("memory", {}).items():
        checks.append((f"{name} <= 150 MB RSS", peak["rss"] <= 150 * MB))
    return checks


def markdown(results: dict, complete: bool = True) -> str:
    scenarios = results["scenarios"]
    floors = [s["floor_rps"] for s in scenarios.values() if "floor_rps" in s]
    lines = [
        f"Machine: {results['machine']}; {results['collections']:,} collections at"
        f" {results['locations']:,} locations.",
        "",
    ]
    if floors:
        lines += [
            "Each scenario's share is of the Flask floor run in turns with it"
            f" ({min(floors):,.0f} to {max(floors):,.0f} req/s in this run).",
            "",
        ]
    lines += [
        "| scenario | req/s | of Flask floor | p50 ms | p95 ms | p99 ms | errors | CPU ms/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in scenarios.items():
        cpu = f"{s['cpu_ms_per_request']:.2f}" if "cpu_ms_per_request" in s else "-"
        lines.append(
            f"| {name} | {s['rps']:,.0f} | {share(results, name):.0%} | {s['p50_ms']:.1f}"
            f" | {s['p95_ms']:.1f} | {s['p99_ms']:.1f} | {s['errors']} | {cpu} |"
        )
    lines += [
        "",
        "| GET one, open model | rate req/s | p50 ms | p95 ms | p99 ms | failed | dropped"
        " | Flask floor p99 ms, same rate |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in results["fixed_rate"]:
        floor = f"{f['floor_p99_ms']:.1f}" if "floor_p99_ms" in f else "-"
        lines.append(
            f"| {f['share']:.0%} of max | {f['rate']} | {f['p50_ms']:.1f} | {f['p95_ms']:.1f}"
            f" | {f['p99_ms']:.1f} | {f['failed']} | {f['dropped']} | {floor} |"
        )
    if memory := results.get("memory"):
        lines += ["", "| service | peak RSS MB | peak PSS MB |", "| --- | ---: | ---: |"]
        for name, peak in memory.items():
            lines.append(f"| {name} | {peak['rss'] / MB:.0f} | {peak['pss'] / MB:.0f} |")
    if complete:
        lines += ["", "| target | met |", "| --- | --- |"]
        lines += [f"| {name} | {'yes' if met else 'NO'} |" for name, met in _targets(results)]
    return "\n".join(lines)
