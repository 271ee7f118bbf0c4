#!/usr/bin/env python3
"""Turns the benchmark's 'key value' lines into the side-by-side table and a JSON file.
Usage: report.py RESULTS_FILE JSON_OUT"""
import json
import sys

values, meta = {}, {}
with open(sys.argv[1]) as f:
    for line in f:
        key, _, value = line.strip().partition(" ")
        if not key:
            continue
        try:
            values[key] = float(value)
        except ValueError:
            meta[key] = value


def v(key):
    return values.get(key)


def fmt(x, digits=0):
    return "-" if x is None else f"{x:,.{digits}f}"


# (label, EmailRelay key, Postfix key, digits, lower_is_better)
ROWS = [
    ("accepted/s, single POST, 2 KB", "er.single.2k.accept_rate", "pf.2k.accept_rate", 0, False),
    ("  accept latency p99 ms, closed loop c=32", "er.single.2k.p99", None, 2, True),
    ("delivered/s end to end, 2 KB", "er.single.2k.e2e_rate", "pf.2k.e2e_rate", 0, False),
    ("  CPU ms per delivered email, 2 KB", "er.single.2k.cpu_ms_per_email", "pf.2k.cpu_ms_per_email", 2, True),
    ("    of which api", "er.single.2k.cpu_ms.api", None, 2, True),
    ("    of which sender", "er.single.2k.cpu_ms.sender", None, 2, True),
    ("    of which tracking", "er.single.2k.cpu_ms.tracking", None, 2, True),
    ("    of which PostgreSQL", "er.single.2k.cpu_ms.postgres", None, 2, True),
    ("    of which RabbitMQ", "er.single.2k.cpu_ms.rabbitmq", None, 2, True),
    ("paced at Postfix's accepted rate, per second", "er.paced.rate", "pf.paced.rate", 0, False),
    ("  accept latency p50 ms, paced", "er.paced.p50", "pf.paced.p50", 2, True),
    ("  accept latency p99 ms, paced", "er.paced.p99", "pf.paced.p99", 2, True),
    ("  accept latency max ms, paced", "er.paced.max", "pf.paced.max", 2, True),
    ("accepted/s, single POST, 20 KB", "er.single.20k.accept_rate", "pf.20k.accept_rate", 0, False),
    ("  accept latency p99 ms", "er.single.20k.p99", None, 2, True),
    ("delivered/s end to end, 20 KB", "er.single.20k.e2e_rate", "pf.20k.e2e_rate", 0, False),
    ("  CPU ms per delivered email, 20 KB", "er.single.20k.cpu_ms_per_email", "pf.20k.cpu_ms_per_email", 2, True),
    ("accepted emails/s, /batch x100, 2 KB", "er.batch.2k.accept_rate", "pf.2k.accept_rate", 0, False),
    ("  batch call latency p99 ms", "er.batch.2k.p99", None, 2, True),
    ("delivered/s end to end, batch 2 KB", "er.batch.2k.e2e_rate", "pf.2k.e2e_rate", 0, False),
    ("accepted emails/s, /batch x100, 20 KB", "er.batch.20k.accept_rate", "pf.20k.accept_rate", 0, False),
    ("delivered/s end to end, batch 20 KB", "er.batch.20k.e2e_rate", "pf.20k.e2e_rate", 0, False),
    ("accepted/s, SMTP submission (AUTH), 2 KB", "er.smtp.2k.accept_rate", "pf.2k.accept_rate", 0, False),
    ("  SMTP transaction latency p50 ms, closed loop", "er.smtp.2k.p50", None, 2, True),
    ("  SMTP transaction latency p99 ms, closed loop", "er.smtp.2k.p99", None, 2, True),
    ("delivered/s end to end, SMTP submission 2 KB", "er.smtp.2k.e2e_rate", "pf.2k.e2e_rate", 0, False),
    ("relay CPU, cores (SMTP submission 2 KB run)", "er.smtp.2k.relay_cpu", "pf.2k.relay_cpu", 2, True),
    ("delivered/s end to end, 2 KB, webhooks on", "er.single.2k.webhooks.e2e_rate", "pf.2k.e2e_rate", 0, False),
    ("  webhook deliveries/s to one endpoint", "er.webhooks.rate", None, 0, False),
    ("peak RSS MB, api", "er.rss.api", None, 0, True),
    ("peak RSS MB, sender", "er.rss.sender", None, 0, True),
    ("peak RSS MB, tracking", "er.rss.tracking", None, 0, True),
    ("peak RSS MB, api (2nd process)", "er.rss.api2", None, 0, True),
    ("peak RSS MB, sender (2nd process)", "er.rss.sender2", None, 0, True),
    ("peak RSS MB, services / all of Postfix", "er.rss.total", "pf.rss.total", 0, True),
    ("PostgreSQL CPU, cores (single 2 KB run)", "er.single.2k.pg_cpu", None, 2, True),
    ("RabbitMQ CPU, cores (single 2 KB run)", "er.single.2k.rabbit_cpu", None, 2, True),
    ("relay CPU, cores (single 2 KB run)", "er.single.2k.relay_cpu", "pf.2k.relay_cpu", 2, True),
]

print()
print(f"== EmailRelay vs Postfix — {meta.get('date', '')}, {meta.get('machine', '')}")
print(f"   {meta.get('setup', '')}")
print(f"{'figure':44} {'EmailRelay':>12} {'Postfix':>12} {'ratio':>8}")
table = []
for label, er_key, pf_key, digits, lower in ROWS:
    er, pf = v(er_key), v(pf_key) if pf_key else None
    if er is None and pf is None:
        continue
    ratio = er / pf if er is not None and pf else None
    table.append({"figure": label.strip(), "emailrelay": er, "postfix": pf, "ratio": ratio, "lower_is_better": lower})
    print(f"{label:44} {fmt(er, digits):>12} {fmt(pf, digits):>12} {fmt(ratio, 2) + 'x' if ratio is not None else '-':>8}")
print()
print("ratio = EmailRelay / Postfix. Batch rows compare emails accepted through /batch with Postfix's")
print("accepted/s for single SMTP transactions. Postfix's throughput runs ran alone, before any")
print("EmailRelay process started. The paced rows are a separate pass on each side: 2 KB single sends")
print("offered at Postfix's accepted rate, open loop, latency counted from when each was due: one")
print("POST for EmailRelay, one SMTP transaction (MAIL..250 queued) on a reused connection for Postfix.")
print("CPU per delivered email counts every process: for EmailRelay its services, PostgreSQL and RabbitMQ.")
print("Peak RSS counts EmailRelay's services (api, sender, tracking), not PostgreSQL or RabbitMQ; Postfix's, all its processes.")
for side, prefix in (("EmailRelay", "er"), ("Postfix", "pf")):
    if v(f"{prefix}.paced.late"):
        print(f"Paced pass, {side}: {v(f'{prefix}.paced.late'):.0f} sends left the client more than 10 ms late (the client fell behind).")
if v("er.smtp.2k.accept_rate"):
    print("SMTP submission rows: the same 2 KB message over STARTTLS + AUTH (one connection per client,")
    print("reused) against Postfix's unauthenticated plain-text smtp-source run: TLS and AUTH are ours alone.")
if v("er.single.2k.webhooks.e2e_rate") and v("er.single.2k.e2e_rate"):
    cost = (1 - v("er.single.2k.webhooks.e2e_rate") / v("er.single.2k.e2e_rate")) * 100
    # A faster run with webhooks on is not a negative cost: it is the runs' spread or, in a smoke
    # run, the first run's warm-up (JIT, connection pools) over a couple of hundred emails.
    why = "the smoke run's first run warms up" if meta.get("mode") == "smoke" else "the two runs' spread"
    effect = f"cost the 2 KB end-to-end rate {cost:.0f} %" if cost >= 0 else \
        f"did not lower the 2 KB end-to-end rate (that run was {-cost:.0f} % faster: {why})"
    print(f"Webhooks on (every event of the run delivered to a local receiver) {effect}.")

with open(sys.argv[2], "w") as f:
    json.dump({"meta": meta, "values": values, "table": table}, f, indent=2)
print(f"written: {sys.argv[2]}")
