// A local stand-in for Sentry's ingest endpoint. Given as the DSN (http://key@127.0.0.1:PORT/1), it
// receives the real envelopes the SDK sends, so tests check what would actually leave the process.
//
//   POST /api/<project>/envelope/  stores the envelope (gzip or plain)
//   GET  /envelopes                returns every stored envelope: { raw, items: [{ header, payload }] }
//   DELETE /envelopes              forgets them
import { createServer, type Server } from "node:http";
import { gunzipSync } from "node:zlib";

export type SentryEnvelope = { raw: string; items: { header: Record<string, unknown>; payload: unknown }[] };

export function parseEnvelope(raw: string): SentryEnvelope {
  // Line 1 is the envelope header; then pairs of item header and item payload.
  const lines = raw.split("\n").filter((line) => line.length > 0);
  const items: SentryEnvelope["items"] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const header = JSON.parse(lines[i] as string) as Record<string, unknown>;
    const body = lines[i + 1] as string;
    let payload: unknown = body;
    try {
      payload = JSON.parse(body);
    } catch {
      // attachments may be plain text
    }
    items.push({ header, payload });
  }
  return { raw, items };
}

export function startSentrySink(port: number): Promise<Server> {
  const envelopes: SentryEnvelope[] = [];
  const server = createServer((req, res) => {
    // Browsers post envelopes cross-origin (the app's origin → this port), as they would to sentry.io.
    res.setHeader("access-control-allow-origin", "*");
    // x-forwarded-for: the e2e fixtures add it to every request of a test's browser, the sink's too.
    res.setHeader("access-control-allow-headers", "content-type, x-forwarded-for");
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "POST" && /\/api\/\d+\/envelope\/?/.test(req.url ?? "")) {
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        envelopes.push(parseEnvelope(body.toString("utf8")));
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } else if (req.method === "OPTIONS") {
        res.writeHead(204).end();
      } else if (req.method === "GET" && req.url === "/envelopes") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(envelopes));
      } else if (req.method === "DELETE" && req.url === "/envelopes") {
        envelopes.length = 0;
        res.writeHead(204).end();
      } else if (req.method === "GET" && req.url === "/") {
        res.writeHead(200).end("sentry sink");
      } else {
        res.writeHead(404).end();
      }
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

// Run directly (Playwright's webServer does): tsx tests/support/sentry-sink.ts <port>
if (process.argv[1]?.endsWith("sentry-sink.ts")) {
  const port = Number(process.argv[2] ?? process.env.SENTRY_SINK_PORT ?? 3211);
  startSentrySink(port).then(() => console.log(`sentry sink listening on 127.0.0.1:${port}`));
}
