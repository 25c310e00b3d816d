// Node module hook for running server code outside Next.js and without the react-server condition
// (which swaps React for its server build and breaks imports of next/navigation): resolves
// `server-only` to the package's empty module, as Next does for server code and as Vitest's alias
// does. Use: tsx --import ./tools/server-only-hook.mjs <script>.
import { register } from "node:module";

const empty = new URL("../node_modules/server-only/empty.js", import.meta.url).href;
const hook = `export async function resolve(specifier, context, next) {
  return specifier === "server-only" ? { url: ${JSON.stringify(empty)}, shortCircuit: true } : next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);
