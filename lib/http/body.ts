import { apiError } from "./errors";

export type JsonBodyResult<T = unknown> = { ok: true; value: T } | { ok: false; response: Response };

/** The largest request body readJsonBody accepts unless told otherwise: 100 kB. */
export const DEFAULT_MAX_BODY_BYTES = 100_000;

/**
 * Reads a request's JSON body without letting a client make the server buffer more than
 * `maxBytes`: a Content-Length over the limit is refused before reading, and the stream is read
 * chunk by chunk and cancelled as soon as the count passes the limit (Content-Length can be absent
 * or false). Answers 413 `payload_too_large` past the limit, 400 `invalid_json` for an empty body,
 * invalid UTF-8 or invalid JSON. The value is unvalidated: check its shape with zod next.
 *
 *   const body = await readJsonBody(request);
 *   if (!body.ok) return body.response;
 */
export async function readJsonBody<T = unknown>(
  request: Request,
  { maxBytes = DEFAULT_MAX_BODY_BYTES }: { maxBytes?: number } = {},
): Promise<JsonBodyResult<T>> {
  if (request.bodyUsed) throw new Error("readJsonBody: the request body was already read.");
  const tooLarge = (): JsonBodyResult<T> => ({
    ok: false,
    response: apiError(413, "payload_too_large", `The request body is larger than ${maxBytes} bytes.`),
  });
  const invalid = (message: string): JsonBodyResult<T> => ({
    ok: false,
    response: apiError(400, "invalid_json", message),
  });
  const empty = "The request body is empty. Send a JSON document.";
  const notUtf8 = "The request body is not valid UTF-8. Send JSON encoded as UTF-8.";

  if (Number(request.headers.get("content-length")) > maxBytes) {
    await request.body?.cancel();
    return tooLarge();
  }
  if (!request.body) return invalid(empty);

  const reader = request.body.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let text = "";
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      return tooLarge();
    }
    const decoded = decodeChunk(decoder, value);
    if (decoded === undefined) {
      await reader.cancel();
      return invalid(notUtf8);
    }
    text += decoded;
  }
  const rest = decodeChunk(decoder, undefined);
  if (rest === undefined) return invalid(notUtf8);
  text += rest;
  if (received === 0) return invalid(empty);
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch {
    return invalid("The request body is not valid JSON.");
  }
}

/** Decodes the next chunk (or, given undefined, the end of the input); undefined if not UTF-8. */
function decodeChunk(decoder: TextDecoder, chunk: Uint8Array | undefined): string | undefined {
  try {
    return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
  } catch {
    return undefined;
  }
}
