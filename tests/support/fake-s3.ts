// A small local stand-in for an S3-compatible bucket service (path-style addressing, as MinIO is
// used): just the calls an upload (and a read of one small object) makes, answered the way S3 answers them, with every request
// recorded so tests can assert what the app sent. The app's real AWS SDK talks to it through
// BACKUP_S3_ENDPOINT.
//
//   GET    /:bucket/:key                          GetObject (404 NoSuchKey when absent)
//   PUT    /:bucket/:key                          PutObject
//   POST   /:bucket/:key?uploads                  CreateMultipartUpload
//   PUT    /:bucket/:key?partNumber=N&uploadId=U  UploadPart
//   POST   /:bucket/:key?uploadId=U               CompleteMultipartUpload
//   DELETE /:bucket/:key?uploadId=U               AbortMultipartUpload
//
// Like S3, it checks each request's AWS Signature Version 4 (Authorization: AWS4-HMAC-SHA256 with the
// access key id and a signature made with its secret), the signed payload hash and any CRC32 checksum
// the SDK sends, and that every part but the last is at least 5 MiB. Errors are S3's XML. fail() makes
// requests answer an error until cleared (the SDK retries 5xx, so a "down" bucket must stay down).
import { createHash, createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32 } from "node:zlib";

export type S3Operation =
  | "GetObject"
  | "PutObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "Unsupported";

export type RecordedS3Request = {
  method: string;
  operation: S3Operation;
  bucket: string;
  key: string;
  authorization: string | null;
  /** The access key id in the Authorization header's Credential. */
  accessKeyId: string | null;
  /** The region in the Credential scope. */
  region: string | null;
  bytes: number;
  /** The status the fake answered. */
  status: number;
};

export type FakeS3Failure = { status: number; code: string; message: string; only?: S3Operation[] };

export type StoredObject = { body: Buffer; contentType: string | null; metadata: Record<string, string> };

export type FakeS3 = {
  url: string;
  requests(): RecordedS3Request[];
  /** A stored object (after PutObject or a completed multipart upload), or undefined. */
  object(bucket: string, key: string): StoredObject | undefined;
  /** Keys stored in a bucket, sorted. */
  keys(bucket: string): string[];
  /** Multipart uploads begun and neither completed nor aborted. */
  openUploads(): number;
  /** Every request (or every request of the `only` operations) answers this error until fail(null). */
  fail(error: FakeS3Failure | null): void;
  close(): Promise<void>;
};

const MIN_PART_BYTES = 5 * 1024 * 1024;

class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const errorXml = (code: string, message: string, resource: string) =>
  `<Error><Code>${code}</Code><Message>${message}</Message>` +
  `<Resource>${resource}</Resource><RequestId>${randomBytes(8).toString("hex")}</RequestId></Error>`;

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding, as SigV4 wants it in the canonical query string. */
const encodeStrict = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Checks a request's Signature Version 4 the way S3 does: rebuilds the canonical request from what
 * arrived and signs it with the secret the fake knows. Throws S3's error when anything is off.
 */
function verifySignature(
  req: IncomingMessage,
  body: Buffer,
  credentials: { accessKeyId: string; secretAccessKey: string },
): { accessKeyId: string; region: string } {
  const authorization = req.headers.authorization ?? "";
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) throw new S3Failure(403, "AccessDenied", "No AWS4-HMAC-SHA256 Authorization header.");
  const [, accessKeyId = "", date = "", region = "", signedHeaders = "", signature = ""] = match;
  if (accessKeyId !== credentials.accessKeyId) {
    throw new S3Failure(
      403,
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
    );
  }
  const payloadHash = String(req.headers["x-amz-content-sha256"] ?? "");
  if (payloadHash.startsWith("STREAMING-")) {
    throw new S3Failure(501, "NotImplemented", "The fake does not decode aws-chunked bodies.");
  }
  if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== sha256(body)) {
    throw new S3Failure(
      400,
      "XAmzContentSHA256Mismatch",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
  const [rawPath = "/", rawQuery = ""] = (req.url ?? "/").split("?");
  const query = rawQuery
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const [name = "", value = ""] = pair.split("=");
      return [encodeStrict(decodeURIComponent(name)), encodeStrict(decodeURIComponent(value))];
    })
    .sort(([a = "", x = ""], [b = "", y = ""]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
  const headers = signedHeaders
    .split(";")
    .map((name) => {
      const value = req.headers[name];
      const text = Array.isArray(value) ? value.join(",") : (value ?? "");
      return `${name}:${text.trim().replace(/\s+/g, " ")}\n`;
    })
    .join("");
  const canonical = [req.method, rawPath, query, headers, signedHeaders, payloadHash].join("\n");
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), "s3"),
    "aws4_request",
  );
  if (createHmac("sha256", key).update(toSign).digest("hex") !== signature) {
    throw new S3Failure(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    );
  }
  return { accessKeyId, region };
}

/** S3 checks a CRC32 the SDK sends with a body and answers it back (lib-storage lists it per part). */
function checkCrc32(req: IncomingMessage, body: Buffer): string | undefined {
  const sent = req.headers["x-amz-checksum-crc32"];
  if (typeof sent !== "string") return undefined;
  const computed = Buffer.alloc(4);
  computed.writeUInt32BE(crc32(body));
  if (computed.toString("base64") !== sent) {
    throw new S3Failure(400, "BadDigest", "The CRC32 you specified did not match the calculated checksum.");
  }
  return sent;
}

function operationOf(method: string, query: URLSearchParams, key: string): S3Operation {
  if (!key) return "Unsupported";
  if (method === "GET" && !query.has("uploadId")) return "GetObject";
  if (method === "PUT" && query.has("partNumber") && query.has("uploadId")) return "UploadPart";
  if (method === "PUT" && !query.has("uploadId")) return "PutObject";
  if (method === "POST" && query.has("uploads")) return "CreateMultipartUpload";
  if (method === "POST" && query.has("uploadId")) return "CompleteMultipartUpload";
  if (method === "DELETE" && query.has("uploadId")) return "AbortMultipartUpload";
  return "Unsupported";
}

const metadataOf = (req: IncomingMessage) =>
  Object.fromEntries(
    Object.entries(req.headers)
      .filter(([name]) => name.startsWith("x-amz-meta-"))
      .map(([name, value]) => [name.slice("x-amz-meta-".length), String(value)]),
  );

export async function startFakeS3(options: {
  buckets: string[];
  accessKeyId: string;
  secretAccessKey: string;
}): Promise<FakeS3> {
  const recorded: RecordedS3Request[] = [];
  const objects = new Map<string, StoredObject>(); // "bucket/key"
  type Part = { body: Buffer; etag: string; crc32?: string };
  const uploads = new Map<
    string,
    {
      bucket: string;
      key: string;
      contentType: string | null;
      metadata: Record<string, string>;
      parts: Map<number, Part>;
    }
  >();
  let failure: FakeS3Failure | null = null;

  const etagOf = (body: Buffer) => `"${createHash("md5").update(body).digest("hex")}"`;

  function answer(
    req: IncomingMessage,
    operation: S3Operation,
    bucket: string,
    key: string,
    query: URLSearchParams,
    body: Buffer,
  ): { status: number; headers?: Record<string, string>; xml?: string; body?: Buffer } {
    if (!options.buckets.includes(bucket)) {
      throw new S3Failure(404, "NoSuchBucket", "The specified bucket does not exist");
    }
    const contentType = (req.headers["content-type"] as string | undefined) ?? null;
    switch (operation) {
      case "GetObject": {
        const stored = objects.get(`${bucket}/${key}`);
        if (!stored) throw new S3Failure(404, "NoSuchKey", "The specified key does not exist.");
        return {
          status: 200,
          headers: {
            etag: etagOf(stored.body),
            "content-length": String(stored.body.length),
            ...(stored.contentType ? { "content-type": stored.contentType } : {}),
          },
          body: stored.body,
        };
      }
      case "PutObject": {
        const crc = checkCrc32(req, body);
        objects.set(`${bucket}/${key}`, { body, contentType, metadata: metadataOf(req) });
        return {
          status: 200,
          headers: { etag: etagOf(body), ...(crc ? { "x-amz-checksum-crc32": crc } : {}) },
        };
      }
      case "CreateMultipartUpload": {
        const uploadId = randomBytes(16).toString("hex");
        uploads.set(uploadId, { bucket, key, contentType, metadata: metadataOf(req), parts: new Map() });
        return {
          status: 200,
          xml:
            `<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
            `<Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
        };
      }
      case "UploadPart": {
        const upload = uploads.get(query.get("uploadId") ?? "");
        if (!upload) throw new S3Failure(404, "NoSuchUpload", "The specified upload does not exist.");
        const crc = checkCrc32(req, body);
        const part = { body, etag: etagOf(body), crc32: crc };
        upload.parts.set(Number(query.get("partNumber")), part);
        return { status: 200, headers: { etag: part.etag, ...(crc ? { "x-amz-checksum-crc32": crc } : {}) } };
      }
      case "CompleteMultipartUpload": {
        const uploadId = query.get("uploadId") ?? "";
        const upload = uploads.get(uploadId);
        if (!upload) throw new S3Failure(404, "NoSuchUpload", "The specified upload does not exist.");
        const listed = [...body.toString("utf8").matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part]) => ({
          number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(part ?? "")?.[1]),
          etag: /<ETag>([^<]*)<\/ETag>/.exec(part ?? "")?.[1]?.replaceAll("&quot;", '"'),
        }));
        const parts = listed.map(({ number, etag }, index) => {
          const part = upload.parts.get(number);
          if (!part || part.etag !== etag) {
            throw new S3Failure(400, "InvalidPart", `Part ${number} was not uploaded or its ETag differs.`);
          }
          if (index > 0 && (listed[index - 1]?.number ?? 0) >= number) {
            throw new S3Failure(400, "InvalidPartOrder", "The list of parts was not in ascending order.");
          }
          if (index < listed.length - 1 && part.body.length < MIN_PART_BYTES) {
            throw new S3Failure(
              400,
              "EntityTooSmall",
              "Your proposed upload is smaller than the minimum allowed size",
            );
          }
          return part.body;
        });
        if (parts.length === 0) throw new S3Failure(400, "MalformedXML", "No parts listed.");
        const whole = Buffer.concat(parts);
        objects.set(`${bucket}/${key}`, {
          body: whole,
          contentType: upload.contentType,
          metadata: upload.metadata,
        });
        uploads.delete(uploadId);
        return {
          status: 200,
          xml:
            `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
            `<Location>http://fake/${bucket}/${key}</Location><Bucket>${bucket}</Bucket><Key>${key}</Key>` +
            `<ETag>"${createHash("md5").update(whole).digest("hex")}-${parts.length}"</ETag></CompleteMultipartUploadResult>`,
        };
      }
      case "AbortMultipartUpload":
        uploads.delete(query.get("uploadId") ?? "");
        return { status: 204 };
      default:
        throw new S3Failure(501, "NotImplemented", `The fake does not implement ${req.method} ${req.url}.`);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://fake");
      const [, bucket = "", ...rest] = url.pathname.split("/");
      const key = decodeURIComponent(rest.join("/"));
      const operation = operationOf(req.method ?? "GET", url.searchParams, key);
      const authorization = req.headers.authorization ?? null;
      const credential = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(authorization ?? "");
      const entry: RecordedS3Request = {
        method: req.method ?? "GET",
        operation,
        bucket,
        key,
        authorization,
        accessKeyId: credential?.[1] ?? null,
        region: credential?.[2] ?? null,
        bytes: body.length,
        status: 0,
      };
      recorded.push(entry);
      let result: { status: number; headers?: Record<string, string>; xml?: string; body?: Buffer };
      try {
        verifySignature(req, body, options);
        if (failure && (!failure.only || failure.only.includes(operation))) {
          throw new S3Failure(failure.status, failure.code, failure.message);
        }
        result = answer(req, operation, bucket, key, url.searchParams, body);
      } catch (error) {
        const { status, code, message } =
          error instanceof S3Failure ? error : new S3Failure(500, "InternalError", (error as Error).message);
        result = { status, xml: errorXml(code, message, url.pathname) };
      }
      entry.status = result.status;
      res.writeHead(result.status, {
        "x-amz-request-id": randomBytes(8).toString("hex"),
        ...(result.xml ? { "content-type": "application/xml" } : {}),
        ...result.headers,
      });
      res.end(result.xml ? `<?xml version="1.0" encoding="UTF-8"?>\n${result.xml}` : result.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...recorded],
    object: (bucket, key) => objects.get(`${bucket}/${key}`),
    keys: (bucket) =>
      [...objects.keys()]
        .filter((name) => name.startsWith(`${bucket}/`))
        .map((name) => name.slice(bucket.length + 1))
        .sort(),
    openUploads: () => uploads.size,
    fail: (error) => {
      failure = error;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
