// What copying a module drags along: the other lib/ modules its files import, transitively, and
// the size of the files reached in them. Measured on the repository's own sources, file by file.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const IMPORT = /(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)|^import\s+"([^"]+)"/gm;

/** Source files of a module: what a copy carries (its generated client aside, which npm regenerates). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(full);
    return /\.(ts|tsx|sql|prisma)$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

function lineCount(file: string): number {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "").length;
}

function resolveImport(repoRoot: string, fromFile: string, specifier: string): string | undefined {
  let base: string;
  if (specifier.startsWith("@/")) base = path.join(repoRoot, specifier.slice(2));
  else if (specifier.startsWith(".")) base = path.resolve(path.dirname(fromFile), specifier);
  else return undefined;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** The lib/ module a file belongs to ("audit" for lib/audit/record.ts), if any. */
function moduleOf(repoRoot: string, file: string): string | undefined {
  const relative = path.relative(path.join(repoRoot, "lib"), file);
  if (relative.startsWith("..")) return undefined;
  return relative.split(path.sep)[0];
}

/**
 * Modules reached from the given ones' files, following imports file by file, and the non-blank
 * line count of the files reached in them: the least that must come along for the copy to compile.
 * The starting modules are not "dragged in".
 */
export function measureDraggedIn(
  repoRoot: string,
  start: string[],
  /** Files (repository-relative) the app writes its own of, such as lib/http/identity.ts: their imports are not followed. */
  replaced: readonly string[] = [],
): { modules: string[]; lines: number } {
  const seen = new Set<string>();
  const queue = start.flatMap((name) => sourceFiles(path.join(repoRoot, "lib", name)));
  const reached = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop() as string;
    // The generated Prisma client is not copied: the app generates its own from its schema.
    if (seen.has(file) || !file.endsWith(".ts") || file.includes(`${path.sep}generated${path.sep}`)) continue;
    seen.add(file);
    const module = moduleOf(repoRoot, file);
    if (module !== undefined) reached.add(module);
    // lib/env/modules.ts lists the modules an app has: the repository's lists all of them, a
    // prototype's only those it copied (the guide has it write its own), so its imports are not followed.
    if (path.relative(repoRoot, file) === path.join("lib", "env", "modules.ts")) continue;
    if (replaced.includes(path.relative(repoRoot, file).split(path.sep).join("/"))) continue;
    // Comments out first: a `;` in one (a doc comment inside `export { … } from`) would end the match early.
    const code = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    for (const match of code.matchAll(IMPORT)) {
      const target = resolveImport(repoRoot, file, (match[1] ?? match[2] ?? match[3]) as string);
      if (target !== undefined) queue.push(target);
    }
  }
  const modules = [...reached].filter((name) => !start.includes(name)).sort();
  const lines = [...seen]
    .filter((file) => modules.includes(moduleOf(repoRoot, file) ?? ""))
    .reduce((sum, file) => sum + lineCount(file), 0);
  return { modules, lines };
}
