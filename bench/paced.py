#!/usr/bin/env python3
"""Open-loop latency at a fixed offered rate: RATE requests per second for SECONDS, spread over
CONC client processes, each with one reused connection. Request k is due at start + k/RATE; its
latency runs from when it was due, not from when it was sent, so a server that falls behind
shows it (no coordinated omission: a closed-loop client would wait and hide the queue).
Prints: sent ok p50_ms p99_ms max_ms late, where late counts requests sent more than 10 ms after
they were due (the client's processes could not keep up: the figures are then suspect).

  paced.py http HOST PORT RATE SECONDS CONC BODYFILE KEY      POST /v1/emails with a bearer key
  paced.py smtp HOST PORT RATE SECONDS CONC SIZE             one SMTP transaction (MAIL..250)

Why not hey: its -q paces each worker with a ticker that waits for the previous response, so a
slow response delays the next request instead of showing as latency."""
import http.client
import multiprocessing
import smtplib
import sys
import time

LINE = "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.\r\n"


def smtp_message(size):
    head = "From: Bench <bench@relay.bench>\r\nTo: sink@sink.bench\r\nSubject: paced\r\n\r\n"
    return (head + (LINE * (size // len(LINE) + 1))[: max(size - len(head), 100)]).encode()


def worker(args):
    mode, host, port, rate, seconds, conc, index, start, payload, key = args
    lat, ok, late = [], 0, 0
    if mode == "http":
        conn = http.client.HTTPConnection(host, port, timeout=60)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    else:
        conn = smtplib.SMTP(host, port, timeout=60)
        conn.ehlo("paced.client")
    k = index
    total = int(rate * seconds)
    while k < total:
        due = start + k / rate
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        elif wait < -0.010:
            late += 1
        try:
            if mode == "http":
                conn.request("POST", "/v1/emails", body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
                ok += 200 <= response.status < 300
            else:
                conn.sendmail("bench@relay.bench", ["sink@sink.bench"], payload)
                ok += 1
        except (OSError, http.client.HTTPException, smtplib.SMTPException) as e:
            print(f"failed: {e}", file=sys.stderr)
        lat.append((time.time() - due) * 1000)
        k += conc
    if mode == "smtp":
        conn.quit()
    return ok, late, lat


if __name__ == "__main__":
    mode, host, port, rate, seconds, conc = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
    if mode == "http":
        with open(sys.argv[7], "rb") as f:
            payload = f.read()
        key = sys.argv[8]
    else:
        payload, key = smtp_message(int(sys.argv[7])), None
    start = time.time() + 1.0  # every process connected and waiting before the first is due
    with multiprocessing.Pool(conc) as pool:
        results = pool.map(worker, [(mode, host, port, rate, seconds, conc, i, start, payload, key) for i in range(conc)])
    ok = sum(r[0] for r in results)
    late = sum(r[1] for r in results)
    lat = sorted(x for r in results for x in r[2])
    n = len(lat)
    pick = lambda p: lat[min(n - 1, int(p * n))] if n else 0.0
    print(n, ok, f"{pick(0.50):.2f}", f"{pick(0.99):.2f}", f"{(lat[-1] if n else 0):.2f}", late)
