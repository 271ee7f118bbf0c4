#!/usr/bin/env python3
"""Writes the request bodies the benchmark POSTs: one email of about SIZE bytes of MIME (one
recipient), and a batch of 100 of them. Usage: make_bodies.py SIZE OUT_DIR"""
import json
import sys

size, out = int(sys.argv[1]), sys.argv[2]
# MIME headers and the multipart-free text part add about 420 bytes to the text itself.
line = "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.\n"
text = (line * (size // len(line) + 1))[: max(size - 420, 100)]
email = {
    "from": "Bench <bench@relay.bench>",
    "to": ["sink@sink.bench"],
    "subject": "EmailRelay benchmark message",
    "text": text,
    "tags": ["bench"],
}
with open(f"{out}/email-{size}.json", "w") as f:
    json.dump(email, f)
with open(f"{out}/batch-{size}.json", "w") as f:
    json.dump({"emails": [email] * 100}, f)
