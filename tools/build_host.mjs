// Bundles the TypeScript host with esbuild: dist/cli.js (the `xpvh` command),
// dist/index.js (the library) and dist/index.d.ts (types, via tsc).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  packages: "external",
};

await build({ ...common, entryPoints: ["src/cli/main.ts"], outfile: "dist/cli.js"});
chmodSync("dist/cli.js", 0o755);
await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js" });

// Declarations: best effort (a type error must not stop `npm install`).
try {
  execFileSync("npx", ["tsc", "-p", "tsconfig.json", "--emitDeclarationOnly", "--declaration", "--outDir", "dist/types"], { stdio: "pipe" });
  writeFileSync("dist/index.d.ts", 'export * from "./types/src/index.js";\n');
} catch (e) {
  if (!existsSync("dist/index.d.ts")) writeFileSync("dist/index.d.ts", "export declare function createMachine(opts: any): Promise<any>;\n");
  process.stderr.write("xpvh build: type declarations incomplete (tsc reported errors)\n");
}
