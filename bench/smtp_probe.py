#!/usr/bin/env python3
"""Latency of one SMTP transaction (MAIL..'250 queued') on a reused connection, repeated until
STOPFILE exists or 120 s pass; prints: n p50_ms p99_ms max_ms. The peer's counterpart of the
accept latency measured for EmailRelay's POST. Usage: smtp_probe.py HOST PORT STOPFILE"""
import os
import smtplib
import sys
import time

host, port, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
msg = b"From: a@example.com\r\nTo: p@discard.invalid\r\nSubject: probe\r\n\r\n" + (b"x" * 76 + b"\r\n") * 26
lat, deadline = [], time.time() + 120
s = smtplib.SMTP(host, port)
s.ehlo("probe")
while not os.path.exists(stop) and time.time() < deadline:
    t = time.perf_counter()
    s.sendmail("a@example.com", ["p@discard.invalid"], msg)
    lat.append((time.perf_counter() - t) * 1000)
s.quit()
lat.sort()
n = len(lat)
pick = lambda p: lat[min(n - 1, int(p * n))] if n else 0.0
print(n, f"{pick(0.50):.2f}", f"{pick(0.99):.2f}", f"{(lat[-1] if n else 0):.2f}")
