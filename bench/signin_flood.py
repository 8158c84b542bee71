"""Fires a flood of wrong sign-ins at a running Pitwall (each from its own claimed address, for
its own unknown email, so the per-account and per-address throttles let every one through to
the password check) while sampling the server's resident memory. Prints what came back, the
peak memory against the idle figure, and the reference: every attempt hashing at once."""

import argparse
import concurrent.futures
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ARGON2_MIB = 19  # m=19456 KiB, Argon2id's default in the argon2 crate


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def attempt(base, n):
    body = urllib.parse.urlencode({"email": f"nobody{n}@example.com", "password": f"wrong guess {n}"}).encode()
    request = urllib.request.Request(
        f"{base}/api/sign_in",
        data=body,
        headers={
            "Origin": base,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--attempts", type=int, default=200)
    args = parser.parse_args()

    idle = rss_kib(args.pid)
    peak = idle
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(args.pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.attempts) as pool:
        statuses = list(pool.map(lambda n: attempt(args.base, n), range(args.attempts)))
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()

    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    print(f"{args.attempts} simultaneous wrong sign-ins in {elapsed:.2f} s: "
          + ", ".join(f"{n}× {status}" for status, n in counts.items())
          + "  (422 = password checked, 503 = every hashing slot busy, with Retry-After)")
    print(f"server memory: idle {idle / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, "
          f"growth {(peak - idle) / 1024:.1f} MiB")
    print(f"reference, every attempt hashing at once: {args.attempts} × {ARGON2_MIB} MiB = "
          f"{args.attempts * ARGON2_MIB} MiB of Argon2 memory")


if __name__ == "__main__":
    main()
