#!/usr/bin/env python3
"""SMTP submission load: N messages of about SIZE bytes through EmailRelay's submission listener
with STARTTLS and AUTH PLAIN (user apikey, the key as password), CONC client processes, each on
one connection reused for all its transactions (as an application's mail library or a relaying
Postfix does, and as hey reuses HTTP connections). Writes one latency per line (ms, MAIL..250 of
one transaction) to LAT_OUT and prints: sent ok p50_ms p99_ms max_ms.

Why this and not a packaged load tool: Postfix's smtp-source cannot AUTH, and Debian's SMTP
benchmarks (postal, smtpping) cannot either; swaks is one message per process. Python's smtplib is
a standard, independent client implementation, and a process pool keeps it off the GIL.
Usage: smtp_submit.py HOST PORT KEY N CONC SIZE LAT_OUT"""
import multiprocessing
import smtplib
import ssl
import sys
import time

host, port, key, total, conc, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
LINE = "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.\r\n"
HEAD = ("From: Bench <bench@relay.bench>\r\nTo: sink@sink.bench\r\nSubject: EmailRelay benchmark message\r\n"
        "X-EmailRelay-Tags: bench\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
BODY = (LINE * (size // len(LINE) + 1))[: max(size - len(HEAD), 100)]
MESSAGE = (HEAD + BODY).encode()


def worker(count):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the bench's self-signed certificate
    lat, ok = [], 0
    s = smtplib.SMTP(host, port, timeout=60)
    s.ehlo("bench.client")
    s.starttls(context=context)
    s.ehlo("bench.client")
    s.login("apikey", key)
    for _ in range(count):
        t = time.perf_counter()
        try:
            s.sendmail("bench@relay.bench", ["sink@sink.bench"], MESSAGE)
            ok += 1
        except smtplib.SMTPException as e:
            print(f"refused: {e}", file=sys.stderr)
        lat.append((time.perf_counter() - t) * 1000)
    s.quit()
    return ok, lat


if __name__ == "__main__":
    conc = max(1, min(conc, total))
    shares = [total // conc + (1 if i < total % conc else 0) for i in range(conc)]
    with multiprocessing.Pool(conc) as pool:
        results = pool.map(worker, shares)
    ok = sum(r[0] for r in results)
    lat = sorted(x for r in results for x in r[1])
    with open(out, "w") as f:
        f.writelines(f"{x:.3f}\n" for x in lat)
    n = len(lat)
    pick = lambda p: lat[min(n - 1, int(p * n))] if n else 0.0
    print(n, ok, f"{pick(0.50):.2f}", f"{pick(0.99):.2f}", f"{(lat[-1] if n else 0):.2f}")
