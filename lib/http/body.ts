import { apiError } from "./errors";

export type JsonBodyResult<T = unknown> = { ok: true; value: T } | { ok: false; response: Response };

/** The largest request body readJsonBody accepts unless told otherwise: 100 kB. */
export const DEFAULT_MAX_BODY_BYTES = 100_000;

export type TextBodyResult = { ok: true; value: string } | { ok: false; response: Response };

/**
 * Reads a request's body as UTF-8 text without letting a client make the server buffer more than
 * `maxBytes`: a Content-Length over the limit is refused before reading, and the stream is read
 * chunk by chunk and cancelled as soon as the count passes the limit (Content-Length can be absent
 * or false). Answers 413 `payload_too_large` past the limit, 400 `invalid_body` for invalid UTF-8.
 * For signed payloads (webhooks) that must be verified byte for byte before parsing.
 */
export async function readTextBody(
  request: Request,
  {
    maxBytes = DEFAULT_MAX_BODY_BYTES,
    invalidCode = "invalid_body",
  }: { maxBytes?: number; invalidCode?: string } = {},
): Promise<TextBodyResult> {
  if (request.bodyUsed) throw new Error("readTextBody: the request body was already read.");
  const tooLarge = (): TextBodyResult => ({
    ok: false,
    response: apiError(413, "payload_too_large", `The request body is larger than ${maxBytes} bytes.`),
  });
  const notUtf8: TextBodyResult = {
    ok: false,
    response: apiError(400, invalidCode, "The request body is not valid UTF-8. Send text encoded as UTF-8."),
  };

  if (Number(request.headers.get("content-length")) > maxBytes) {
    await request.body?.cancel();
    return tooLarge();
  }
  if (!request.body) return { ok: true, value: "" };

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
      return notUtf8;
    }
    text += decoded;
  }
  const rest = decodeChunk(decoder, undefined);
  if (rest === undefined) return notUtf8;
  return { ok: true, value: text + rest };
}

/**
 * Reads a request's JSON body within `maxBytes` (see readTextBody). Answers 413
 * `payload_too_large` past the limit, 400 `invalid_json` for an empty body, invalid UTF-8 or invalid
 * JSON. The value is unvalidated: check its shape with zod next.
 *
 *   const body = await readJsonBody(request);
 *   if (!body.ok) return body.response;
 */
export async function readJsonBody<T = unknown>(
  request: Request,
  { maxBytes = DEFAULT_MAX_BODY_BYTES }: { maxBytes?: number } = {},
): Promise<JsonBodyResult<T>> {
  const text = await readTextBody(request, { maxBytes, invalidCode: "invalid_json" });
  if (!text.ok) return text;
  if (text.value.length === 0) {
    return {
      ok: false,
      response: apiError(400, "invalid_json", "The request body is empty. Send a JSON document."),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text.value) as T };
  } catch {
    return { ok: false, response: apiError(400, "invalid_json", "The request body is not valid JSON.") };
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
