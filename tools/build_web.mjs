// Builds the browser page into build/web/: the bundled page and worker, core.wasm,
// xterm's stylesheet and the project's guest images. Serve the folder statically.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

const out = "build/web";
mkdirSync(out + "/guests", { recursive: true });
// iced-x86 (crash disassembly) is Node-only: the page reports crashes without it.
const common = { bundle: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning", external: ["iced-x86"] };
await build({ ...common, entryPoints: ["web/main.ts"], outfile: out + "/main.js", platform: "browser" });
await build({ ...common, entryPoints: ["web/worker.ts"], outfile: out + "/worker.js", platform: "browser" });
copyFileSync("web/index.html", out + "/index.html");
copyFileSync("build/core.wasm", out + "/core.wasm");
copyFileSync("node_modules/@xterm/xterm/css/xterm.css", out + "/xterm.css");
for (const g of ["hello.elf", "hello64.elf"]) copyFileSync("test/guests/" + g, out + "/guests/" + g);
console.log("web page in " + out + "/");
