// Bytes on the wire and time to interactive for a cold and a warm load of a page, in Debian's Chromium.
// Usage: node benches/assets/measure.mjs BASE_URL EMAIL PASSWORD PATH [PATH...]
// Prints one line per path and load: bytes transferred (compressed, headers included, as Chromium counts
// them), requests, and milliseconds until the page is hydrated (the app sets body[data-hydrated]).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../end2end/package.json"));
const { chromium } = require("@playwright/test");

const [base, email, password, ...paths] = process.argv.slice(2);
if (!base || !email || !password || paths.length === 0) {
  console.error("usage: node benches/assets/measure.mjs BASE_URL EMAIL PASSWORD PATH [PATH...]");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

/** Loads `url` in `page` and returns { bytes, requests, ms } from the DevTools network events. */
async function load(page, cdp, url) {
  let bytes = 0;
  let requests = 0;
  const finished = (e) => { bytes += e.encodedDataLength; requests += 1; };
  cdp.on("Network.loadingFinished", finished);
  const started = Date.now();
  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector("body[data-hydrated]", { timeout: 60_000 });
  const ms = Date.now() - started;
  await page.waitForLoadState("networkidle");
  cdp.off("Network.loadingFinished", finished);
  return { bytes, requests, ms };
}

console.log("path\tload\tbytes\tKB\trequests\tms_to_hydrated");
for (const p of paths) {
  // A fresh profile per path: the first load is cold (empty cache), the second warm (same tab, cache kept).
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.waitForSelector("body[data-hydrated]", { timeout: 60_000 });
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/");
  // The dashboard it lands on fetches its charts' script: let that finish, so none of it is counted below.
  await page.waitForSelector("body[data-hydrated]", { timeout: 60_000 });
  await page.waitForLoadState("networkidle");
  // Signing in loaded the bundle: start the cold measure from an empty cache.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.clearBrowserCache");
  const cold = await load(page, cdp, `${base}${p}`);
  const warm = await load(page, cdp, `${base}${p}`);
  for (const [kind, r] of [["cold", cold], ["warm", warm]]) {
    console.log(`${p}\t${kind}\t${r.bytes}\t${(r.bytes / 1024).toFixed(1)}\t${r.requests}\t${r.ms}`);
  }
  await context.close();
}
await browser.close();
