"""Starts and ends maintenance through one process and measures when another process serves it.

Latency is from the writer's answer (the change is committed) to the first answer of the reader
that shows it; the reader is polled over one keep-alive connection as fast as it answers.
"""

import argparse
import http.client
import json
import statistics
import time
import urllib.parse


def connection(base):
    url = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10)


def request(conn, method, path, token=None, body=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    res = conn.getresponse()
    data = res.read()
    return res.status, json.loads(data) if data else None


def wait_until_up(conn, path, deadline_s=60):
    stop = time.monotonic() + deadline_s
    while True:
        try:
            status, _ = request(conn, "GET", path)
            if status == 200:
                return
        except OSError:
            conn.close()
        if time.monotonic() > stop:
            raise SystemExit(f"{path} did not answer within {deadline_s} s")
        time.sleep(0.1)


def seen_after(reader, active, deadline_s=10):
    """Polls the reader until `active` is served; returns seconds since the call."""
    started = time.perf_counter()
    while True:
        _, state = request(reader, "GET", "/api/v1/maintenance")
        if state["active"] == active:
            return time.perf_counter() - started
        if time.perf_counter() - started > deadline_s:
            raise SystemExit(f"the reader did not serve active={active} within {deadline_s} s")


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--token", required=True)
    args.add_argument("--rounds", type=int, default=50)
    args.add_argument("--writer", required=True)
    args.add_argument("--reader", required=True)
    args = args.parse_args()
    writer, reader = connection(args.writer), connection(args.reader)
    wait_until_up(writer, "/readyz")
    wait_until_up(reader, "/readyz")
    latencies = []
    for _ in range(args.rounds):
        status, body = request(
            writer, "POST", "/api/v1/maintenance/windows", args.token, {"reason": "bench", "duration": "1h"}
        )
        assert status == 201, (status, body)
        latencies.append(seen_after(reader, True))
        status, body = request(writer, "POST", "/api/v1/maintenance/end", args.token, {})
        assert status == 200, (status, body)
        latencies.append(seen_after(reader, False))
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{len(ms)} changes (start and end of maintenance), served by the other process after:")
    print(f"  p50 {statistics.median(ms):.1f} ms   p95 {p95:.1f} ms   max {ms[-1]:.1f} ms")
    print("  reference: the README promises every process serves a change within 1000 ms")


if __name__ == "__main__":
    main()
