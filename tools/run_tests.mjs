// `npm test`: every uvu suite under test/ (unit suites, guest boots, the browser
// page), run under tsx. A suite name filter may be given: `npm test -- xen_`.
import { spawnSync } from "node:child_process";

// Only *.test.ts files are suites (test/ also holds guest sources and helpers).
const filter = process.argv[2] ? `${process.argv[2]}[^/]*\\.test\\.ts$` : "\\.test\\.ts$";
const r = spawnSync(process.execPath, ["--import", "tsx", "node_modules/uvu/bin.js", "test", filter], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
