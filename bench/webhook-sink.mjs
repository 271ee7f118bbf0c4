// A webhook receiver for scripts/bench.sh: answers every POST 204 at once and counts them.
// GET /count returns the number received so far. Usage: node bench/webhook-sink.mjs PORT
import http from "node:http";

const port = Number(process.argv[2] ?? 18199);
let received = 0;
const server = http.createServer((request, response) => {
  if (request.method === "GET" && request.url === "/count") {
    response.writeHead(200, { "content-type": "text/plain" }).end(String(received));
    return;
  }
  request.resume();
  request.on("end", () => {
    received++;
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1");
