// The browser page: headless Chromium (Debian's) loads build/web/, the machine
// runs in a Web Worker, and the guest's banner shows in the terminal.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { serve } from "./static_server.ts";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

test("the page boots the default guest in a worker and shows its banner", async () => {
  assert.ok(CHROMIUM, "Debian's chromium is required (.ci/run installs it)");
  execFileSync(process.execPath, ["tools/build_web.mjs"], { stdio: "pipe" });
  const { url, server } = await serve("build/web");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector("body[data-exit]", { timeout: 30_000 });
    const text = await page.locator(".xterm-rows").innerText();
    assert.match(text, "xpvh: hello from a PVH guest");
    assert.match(text, "PASS");
    assert.is(await page.getAttribute("body", "data-exit"), "poweroff");
    assert.equal(errors, []);
    // The 64-bit guest too.
    await page.goto(url + "?guest=hello64");
    await page.waitForSelector("body[data-exit]", { timeout: 30_000 });
    assert.match(await page.locator(".xterm-rows").innerText(), "long mode: ok");
    // Linux, when the recipe's outputs exist: boot to the shell and type into the terminal.
    const guests = JSON.parse(readFileSync("build/web/guests.json", "utf8")) as { id: string }[];
    if (guests.some((g) => g.id === "linux")) {
      // On two vCPUs (the page's vCPUs selector, here through ?smp=2).
      await page.goto(url + "?guest=linux&smp=2");
      await page.waitForFunction(() => document.querySelector(".xterm-rows")?.textContent?.includes("# "), null, { timeout: 120_000 });
      await page.click(".xterm");
      await page.keyboard.type("uname -sm; echo cpus=$(nproc)\n");
      await page.waitForFunction(() => document.querySelector(".xterm-rows")?.textContent?.includes("Linux x86_64"), null, { timeout: 30_000 });
      await page.waitForFunction(() => document.querySelector(".xterm-rows")?.textContent?.includes("cpus=2"), null, { timeout: 30_000 });
      await page.keyboard.type("poweroff -f\n");
      await page.waitForSelector("body[data-exit]", { timeout: 60_000 });
      assert.is(await page.getAttribute("body", "data-exit"), "poweroff");
    } else console.log("web: Linux guest not built; the page offers the small guests only");
  } finally {
    await browser.close();
    server.close();
  }
});

test.run();
