// The wiring docs/MODULES.md shows, read as data: the transplant test applies exactly these blocks to
// a bare Next.js app, so the guide and the test cannot drift apart. Pure functions (no I/O) so that
// tests/unit/modules-doc.test.ts can check the guide without building anything.
//
// A block takes part when its fence's info string says `transplant`:
//   ```sh transplant module=audit                      commands, run in the app's folder
//   ```ts transplant module=ratelimit file=app/x.ts    the whole file after the change
//   ```dotenv transplant module=mail file=.env append  lines added at the end of the file
// `module=a,b` marks a step several modules need (copying lib/env, say): it runs once, and its
// lines count for each module named.

export interface WiringBlock {
  /** Modules this step belongs to, in the order the guide names them. */
  modules: string[];
  /** "sh" runs `text` as commands; "file" writes it to `file`. */
  kind: "sh" | "file";
  file?: string;
  append: boolean;
  text: string;
  /** 1-based line of the opening fence in the guide, for error messages. */
  line: number;
}

const FENCE = /^```(\S*)(.*)$/;

/** Every `transplant` block of the guide, in order. */
export function parseWiringBlocks(markdown: string): WiringBlock[] {
  const lines = markdown.split("\n");
  const blocks: WiringBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = FENCE.exec(lines[index] ?? "");
    if (!open) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith("```"));
    if (end === -1) throw new Error(`docs/MODULES.md line ${index + 1}: unclosed code fence`);
    const words = (open[2] ?? "").trim().split(/\s+/);
    if (words.includes("transplant")) {
      const options = new Map(
        words.filter((word) => word.includes("=")).map((word) => word.split("=", 2) as [string, string]),
      );
      const modules = (options.get("module") ?? "").split(",").filter(Boolean);
      if (modules.length === 0) {
        throw new Error(`docs/MODULES.md line ${index + 1}: a transplant block names no module=`);
      }
      const file = options.get("file");
      blocks.push({
        modules,
        kind: file === undefined ? "sh" : "file",
        file,
        append: words.includes("append"),
        text: `${lines.slice(index + 1, end).join("\n")}\n`,
        line: index + 1,
      });
    }
    index = end;
  }
  return blocks;
}

/**
 * Lines of a command block that count as wiring by themselves: those that change the database
 * (`prisma migrate`, `prisma db`, a module's SQL file, lib/db/module-setup.ts which runs those) or the environment (`export`). Copying module
 * folders (and removing what of them an app doesn't take) and installing packages are the "dragged
 * in" columns; `prisma generate` is a build step; a command that edits one of the app's files (sed,
 * npm pkg set) is counted by the lines that file gains.
 */
export function countedCommandLines(script: string): string[] {
  return script
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^(export\s|npx prisma (migrate|db)\s)|sql-file|module-setup/.test(line));
}

/**
 * Lines that carry something: blank lines, lone comments and lines of brackets alone (a `},` that
 * JSON adds before a new key) are not wiring.
 */
export function meaningfulLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "" && !/^\s*(\/\/|#)/.test(line) && !/^[\s{}()[\];,]*$/.test(line));
}
/** Non-blank lines of `after` that are not in `before`, matched in order (a line diff's additions). */
export function addedLines(before: string, after: string): string[] {
  const a = meaningfulLines(before);
  const b = meaningfulLines(after);
  // Longest common subsequence, by dynamic programming: files here are tens of lines.
  const table: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = table[i] as number[];
      row[j] =
        a[i] === b[j] ? (table[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(table[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (j < b.length) {
    if (i < a.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < a.length && (table[i + 1]?.[j] ?? 0) >= (table[i]?.[j + 1] ?? 0)) {
      i++;
    } else {
      added.push(b[j] as string);
      j++;
    }
  }
  return added;
}
