// Node.js only (instrumentation.ts loads it in the server process; not exported from lib/security,
// whose index stays edge-safe).
import { Server } from "node:http";
import { ANSWERED_METHODS, methodNotAllowedBody } from "./methods";

const INSTALLED = Symbol.for("shipshape.refuse-forbidden-methods");

/**
 * Answers TRACE with a 405 before Next.js sees the request. Next.js turns every request into a WHATWG Request before proxy.ts runs, and the fetch
 * standard forbids these methods: the constructor throws and Next.js answers 500, with no hook of
 * ours in between. So this intercepts the HTTP server's "request" event, the one place left. Other
 * unknown methods (PROPFIND…) do reach proxy.ts, which answers the same 405. Installed once per process; servers created before or after are covered
 * (the check is on the prototype).
 */
export function refuseUnansweredMethods(): void {
  const prototype = Server.prototype as Server & { [INSTALLED]?: boolean };
  if (prototype[INSTALLED]) return;
  prototype[INSTALLED] = true;
  const emit = prototype.emit;
  prototype.emit = function emitUnlessRefused(this: Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const [request, response] = args as [
        { method?: string; resume(): void },
        {
          writeHead(status: number, headers: Record<string, string | number>): void;
          end(body: string): void;
        },
      ];
      const method = request.method ?? "";
      if (FORBIDDEN_BY_FETCH.has(method)) {
        const body = methodNotAllowedBody(method);
        request.resume();
        response.writeHead(405, {
          allow: [...ANSWERED_METHODS].join(", "),
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "cache-control": "no-store",
        });
        response.end(body);
        return true;
      }
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}

/**
 * Methods the fetch standard's Request refuses that arrive as a "request" event. The others it
 * refuses don't: CONNECT is its own event, and Node's parser answers TRACK 400 itself.
 */
const FORBIDDEN_BY_FETCH = new Set(["TRACE"]);
