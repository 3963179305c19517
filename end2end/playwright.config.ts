import { defineConfig, devices } from "@playwright/test";

/**
 * End-to-end tests for the aiseo app.
 *
 * The server is started by an outside script (no `webServer` here); point the tests at it with
 * E2E_BASE_URL. The browser is Debian's chromium at /usr/bin/chromium: Playwright never downloads one.
 */

const launchOptions = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

// "Desktop Chrome" sets no channel; strip it anyway so the executablePath above is what runs.
const { channel: _unusedChannel, ...desktopChrome } = devices["Desktop Chrome"] as typeof devices["Desktop Chrome"] & {
  channel?: string;
};

export default defineConfig({
  testDir: "tests",
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [["list"]],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: process.env.E2E_BASE_URL || "http://127.0.0.1:3000",
    trace: "off",
    launchOptions,
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...desktopChrome,
        launchOptions,
      },
    },
  ],
});
