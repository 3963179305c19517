import AxeBuilder from "@axe-core/playwright";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { fillClientForm, gotoHydrated, newClientFormData, signInAsAdmin, waitForHydration } from "./helpers";

/** A three-page fixture site with known defects: /untitled has no title, / links to the missing /gone. */
function fixtureSite(): Promise<{ server: Server; url: string }> {
  const words = "Fixture text about technical audits and the health of a website. ".repeat(30);
  const page = (path: string, title: string, body: string) =>
    `<!doctype html><html lang="en"><head><title>${title}</title>` +
    `<meta name="description" content="A fixture page of the end-to-end audit tests, long enough to pass the check.">` +
    `<link rel="canonical" href="${path}"></head><body><h1>${title}</h1><p>${words}</p>${body}</body></html>`;
  const routes: Record<string, string> = {
    "/": page("/", "Fixture home page of the audits", '<a href="/about">About the fixture</a> <a href="/untitled">Untitled</a> <a href="/gone">Gone</a>'),
    "/about": page("/about", "About the fixture company", '<a href="/">Home page</a>'),
    "/untitled": "<html><body><h1>Untitled</h1><p>No title here.</p></body></html>",
  };
  const server = createServer((req, res) => {
    const path = (req.url || "/").split("?")[0];
    if (path === "/robots.txt") {
      res.writeHead(200, { "content-type": "text/plain" }).end("User-agent: *\nAllow: /\n");
    } else if (routes[path]) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(routes[path]);
    } else {
      res.writeHead(404, { "content-type": "text/html" }).end("<html><head><title>Not found</title></head></html>");
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    }),
  );
}

/**
 * Creates a client through the new-client form whose website is the fixture site: an address on 127.0.0.1,
 * which the form accepts because the server's crawl allow-list (CRAWL_ALLOW) covers it.
 */
async function createClientOnSite(page: Page, url: string): Promise<{ id: string; company_name: string }> {
  const data = newClientFormData("audit");
  data.website = url;
  await gotoHydrated(page, "/clients/new");
  await fillClientForm(page, data);
  await page.getByRole("button", { name: "Create client" }).click();
  await expect(page).toHaveURL(/\/clients\/[0-9a-f-]{36}$/);
  const id = new URL(page.url()).pathname.split("/").pop() ?? "";
  return { id, company_name: data.companyName };
}

async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(results.violations).toEqual([]);
}

test.describe("technical SEO audits", () => {
  let site: { server: Server; url: string };
  test.beforeAll(async () => {
    site = await fixtureSite();
  });
  test.afterAll(async () => {
    site.server.close();
  });

  test("run an audit, follow it live, read the score, the issues and the pages, schedule the next", async ({ page }) => {
    test.setTimeout(60_000);
    await signInAsAdmin(page);
    const client = await createClientOnSite(page, site.url);

    await gotoHydrated(page, `/clients/${client.id}`);
    await page.getByRole("link", { name: "Audits, crawl progress and the recurring schedule" }).click();
    await expect(page).toHaveURL((url) => url.pathname === `/clients/${client.id}/audits`);
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name: `Audits of ${client.company_name}`, exact: true })).toBeVisible();
    await expect(page.getByText("No audit has run yet.")).toBeVisible();
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Run an audit now" }).click();
    await expect(page.getByRole("link", { name: "Follow the audit task" })).toBeVisible();
    // The list refreshes by itself until the crawl has finished.
    const crawls = page.getByRole("table", { name: "Crawls of this client, newest first" });
    await expect(crawls.getByRole("row").nth(1)).toContainText("Completed", { timeout: 30_000 });

    await crawls.getByRole("link", { name: /^Audit of / }).click();
    await expect(page).toHaveURL(/\/audits\/[0-9a-f-]{36}$/);
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name: "Site health", exact: true })).toBeVisible();
    // Errors on / (plain HTTP, a broken link), /gone (404) and /untitled (no title): 3 of 4 HTML pages.
    await expect(page.getByText("Health 25.0 / 100")).toBeVisible();
    const categories = page.getByRole("table", { name: "Score and issues per category" });
    await expect(categories.getByRole("row").filter({ hasText: "On-page" })).toContainText("75.0");
    await expectNoAxeViolations(page);

    await page.getByRole("link", { name: "Show title_missing URLs" }).click();
    const issues = page.getByRole("table", { name: "URLs with the issue title_missing" });
    await expect(issues.getByRole("row")).toHaveCount(2);
    await expect(issues).toContainText(`${site.url}untitled`);

    await page.getByLabel("Status", { exact: true }).selectOption({ label: "4xx client error" });
    await page.getByRole("button", { name: "Filter pages" }).click();
    const pages = page.getByRole("table", { name: "Crawled pages in crawl order" });
    await expect(pages.getByRole("row")).toHaveCount(2);
    await expect(pages).toContainText(`${site.url}gone`);
    await expect(pages).toContainText("404");

    const csv = await page.request.get(await page.getByRole("link", { name: "issues as CSV" }).getAttribute("href") ?? "");
    expect(csv.status()).toBe(200);
    const lines = (await csv.text()).trim().split("\n");
    expect(lines[0]).toBe("check,severity,category,url,detail");
    expect(lines.some((l) => l.startsWith("http_4xx,error,crawlability,"))).toBe(true);

    await page.getByRole("link", { name: `Audits of ${client.company_name}` }).click();
    await waitForHydration(page);

    // A second audit, then the two compared side by side.
    await page.getByRole("button", { name: "Run an audit now" }).click();
    await expect(crawls.getByRole("row")).toHaveCount(3, { timeout: 30_000 });
    await expect(crawls.getByRole("row").nth(1)).toContainText("Completed", { timeout: 30_000 });
    await page.getByRole("button", { name: "Compare crawls" }).click();
    await expect(page).toHaveURL(/\/audits\/compare\?before=/);
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name: "Crawl comparison", exact: true })).toBeVisible();
    await expect(page.getByText("0 new, 0 fixed and")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Regression alerts" })).toBeVisible();
    await expect(page.getByText("No regressions.")).toBeVisible();
    await expectNoAxeViolations(page);
    await page.getByRole("link", { name: "Back to the audits" }).click();
    await waitForHydration(page);

    await page.getByLabel("Schedule", { exact: true }).selectOption({ label: "Weekly" });
    await page.getByRole("button", { name: "Save schedule" }).click();
    await expect(page.getByText(/^Weekly audits; the next one is queued at \d{4}-\d{2}-\d{2} /)).toBeVisible();

    // The client's page draws its health line through both audits (the chart is ECharts' own).
    await gotoHydrated(page, `/clients/${client.id}`);
    await expect(
      page.getByText(/^Site health 25\.0 in the latest audit \(\d{4}-\d{2}-\d{2}\), \d+ errors; the line shows the last 2 audits\.$/),
    ).toBeVisible();
    const line = page.getByRole("img", { name: /^Line of the site health of each completed audit/ });
    await expect
      .poll(() =>
        line.evaluate((el) => {
          const echarts = (window as unknown as { echarts?: { getInstanceByDom(e: Element): any } }).echarts;
          return echarts?.getInstanceByDom(el)?.getOption().series[0].data ?? [];
        }),
      )
      .toEqual([25, 25]);
    await expectNoAxeViolations(page);

    // Site audits have their place in the main menu: every client's latest audit and health change.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Site audits" }).click();
    await expect(page).toHaveURL((url) => url.pathname === "/audits");
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name: "Site audits", exact: true })).toBeVisible();
    const overview = page.getByRole("table", { name: "Clients and their latest site audit, most recently audited first" });
    const row = overview.getByRole("row").filter({ hasText: client.company_name });
    await expect(row).toContainText("Completed");
    await expect(row).toContainText("no change");
    await expect(row).toContainText("Weekly");
    await expectNoAxeViolations(page);
    await row.getByRole("link", { name: `Audits of ${client.company_name}` }).click();
    await expect(page).toHaveURL((url) => url.pathname === `/clients/${client.id}/audits`);
  });
});
