// Prints every endpoint and page the route-coverage scan finds (tools/route-coverage.ts) as JSON, for
// `npm run doctor`, which runs it in a child process: importing every route needs plain React (not
// the react-server build the doctor itself runs with) and `server-only` resolved to its empty module.
//
//   tsx --import ./tools/server-only-hook.mjs tools/route-coverage-cli.ts [root]
import { scanEndpointsAndPages } from "./route-coverage";

const reports = await scanEndpointsAndPages(process.argv[2] ?? process.cwd());
process.stdout.write(`${JSON.stringify(reports)}\n`);
// Imported modules may hold open handles (database pools, timers): this process only reports.
process.exit(0);
