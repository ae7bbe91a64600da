// The bare baseline: a node:http server that parses the JSON body and inserts one row per request,
// with the same SQLite settings as the gateway (WAL, synchronous=NORMAL). Run as a child process.
import { createServer } from "node:http";
import { openDatabase } from "../src/store/database.js";

const [path = "baseline.db", port = "0"] = process.argv.slice(2);
const db = openDatabase(path);
db.exec("CREATE TABLE IF NOT EXISTS inbound (id INTEGER PRIMARY KEY, key TEXT UNIQUE, body TEXT NOT NULL)");
const insert = db.prepare("INSERT OR IGNORE INTO inbound (key, body) VALUES (?, ?)");
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    try {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = JSON.parse(text) as { message_id?: string };
      insert.run(body.message_id ?? null, text);
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"status":"accepted"}');
    } catch {
      res.writeHead(400);
      res.end();
    }
  });
});
server.listen(Number(port), "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
