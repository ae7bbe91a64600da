// The bare baseline: a node:http server that verifies the Slack signature of each request and inserts
// one row, with the same SQLite settings as the gateway (WAL, synchronous=NORMAL). Run as a child process.
import { createServer } from "node:http";
import { verifySlackSignature } from "../adapters/slack/slack-signature.js";
import { openDatabase } from "../src/store/sqlite/database.js";
import { SLACK_SIGNING_SECRET } from "./inbound.js";

const [path = "baseline.db", port = "0"] = process.argv.slice(2);
const db = openDatabase(path);
db.exec("CREATE TABLE IF NOT EXISTS inbound (id INTEGER PRIMARY KEY, key TEXT UNIQUE, body TEXT NOT NULL)");
const insert = db.prepare("INSERT OR IGNORE INTO inbound (key, body) VALUES (?, ?)");
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const check = verifySlackSignature({
      signingSecret: SLACK_SIGNING_SECRET,
      headers: req.headers,
      body,
      nowMs: Date.now(),
    });
    if (!check.ok) {
      res.writeHead(401).end();
      return;
    }
    try {
      const event = JSON.parse(body.toString("utf8")) as { event_id?: string };
      insert.run(event.event_id ?? null, body.toString("utf8"));
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
