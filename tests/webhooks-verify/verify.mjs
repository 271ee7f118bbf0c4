// Verifies webhook requests with the standardwebhooks package's Webhook.verify, which EmailRelay's
// signatures must pass unchanged (DESIGN.md §6).
// Reads a JSON array of cases from stdin: [{"name": "...", "secret": "whsec_...", "headers": {...},
// "body": "<the raw body as text>"}]. Prints one JSON line per case, {"name", "valid", "error"?},
// then {"verified": n, "failed": n}; exits 0 only if every case verified.
import { Webhook } from "standardwebhooks";

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const cases = JSON.parse(Buffer.concat(chunks).toString("utf8"));
let failed = 0;
for (const c of cases) {
  try {
    new Webhook(c.secret).verify(Buffer.from(c.body, "utf8"), c.headers);
    console.log(JSON.stringify({ name: c.name, valid: true }));
  } catch (error) {
    failed++;
    console.log(JSON.stringify({ name: c.name, valid: false, error: String(error.message ?? error) }));
  }
}
console.log(JSON.stringify({ verified: cases.length - failed, failed }));
process.exit(failed === 0 ? 0 : 1);
