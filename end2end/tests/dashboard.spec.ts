import { expect, test, type Page } from "@playwright/test";
import {
  apiPost,
  createClientViaApi,
  createUser,
  gotoHydrated,
  newClientFields,
  newIsolatedPage,
  newUserData,
  signIn,
  signInAsAdmin,
  signOut,
  userIdByEmail,
} from "./helpers";

/** The KPI card with this heading. */
function kpi(page: Page, label: string) {
  return page.getByRole("region", { name: "Key figures" }).getByRole("listitem").filter({
    has: page.getByRole("heading", { name: label, exact: true }),
  });
}

/** The number a KPI card shows, as a number (grouping commas removed). */
async function kpiValue(page: Page, label: string): Promise<number> {
  const text = (await kpi(page, label).getByRole("paragraph").first().textContent()) ?? "";
  return Number(text.replace(/[^0-9.]/g, ""));
}

/** The sum of every series the chart with this accessible name draws (read from ECharts itself). */
async function chartTotal(page: Page, name: string): Promise<number> {
  const chart = page.getByRole("img", { name });
  return chart.evaluate((el) => {
    const echarts = (window as unknown as { echarts?: { getInstanceByDom(e: Element): any } }).echarts;
    const instance = echarts?.getInstanceByDom(el);
    if (!instance) return -1;
    const series: Array<{ data: number[] }> = instance.getOption().series ?? [];
    return series.reduce((sum, s) => sum + (s.data ?? []).reduce((a: number, b: number) => a + Number(b || 0), 0), 0);
  });
}

function markDocument(page: Page) {
  return page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
}

async function sameDocument(page: Page): Promise<boolean | undefined> {
  return page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument);
}

test.describe("dashboard", () => {
  test("a task finished elsewhere changes the KPI, the chart and the feed without a reload", async ({ page, browser, baseURL }) => {
    await signInAsAdmin(page);
    // One client first, so the dashboard has figures and its charts are drawn.
    await createClientViaApi(page, newClientFields("dash-seed"));
    await gotoHydrated(page, "/?range=day");
    await expect(page.getByRole("banner").getByRole("status")).toHaveText(/Live/);
    const chartName = /Stacked bars of tasks completed, failed and cancelled/;
    await expect.poll(() => chartTotal(page, chartName), { timeout: 15_000 }).toBeGreaterThan(0);
    const tasksBefore = await kpiValue(page, "Tasks");
    const chartBefore = await chartTotal(page, chartName);
    await markDocument(page);

    // Another session creates a client: its analysis task is queued and a worker completes it.
    const other = await newIsolatedPage(browser, baseURL);
    await signInAsAdmin(other);
    const fields = newClientFields("dash-live");
    await createClientViaApi(other, fields);

    await expect.poll(() => kpiValue(page, "Tasks"), { timeout: 20_000 }).toBeGreaterThan(tasksBefore);
    await expect.poll(() => chartTotal(page, chartName), { timeout: 20_000 }).toBeGreaterThan(chartBefore);
    const feed = page.getByRole("region", { name: "Recent activity" });
    await expect(feed.getByRole("listitem").filter({ hasText: "finished a task for" }).filter({ hasText: fields.company_name })).toBeVisible({ timeout: 20_000 });
    await expect(feed.getByRole("link", { name: fields.company_name }).first()).toBeVisible();
    expect(await sameDocument(page)).toBe(true);
    await other.context().close();
  });

  test("the range selector changes the figures and stays in the URL", async ({ page }) => {
    await signInAsAdmin(page);
    await createClientViaApi(page, newClientFields("dash-range"));
    await gotoHydrated(page, "/");
    await expect.poll(() => kpiValue(page, "Clients")).toBeGreaterThan(0);
    await page.getByLabel("Range").selectOption({ label: "Custom dates" });
    await page.getByLabel("From (custom)").fill("2020-01-01");
    await page.getByLabel("To (custom)").fill("2020-01-31");
    await page.getByRole("button", { name: "Show range" }).click();
    await expect(page).toHaveURL(/range=custom&from=2020-01-01&to=2020-01-31/);
    await expect(page.getByRole("status").filter({ hasText: "2020-01-01 00:00 to 2020-02-01 00:00" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Nothing to show yet" })).toBeVisible();

    // An impossible range is named at its field.
    await gotoHydrated(page, "/?range=custom&from=2020-02-01&to=2020-01-01");
    await expect(page.getByText("must be on or after the start date")).toBeVisible();
  });

  test("an account manager's dashboard and feed cover their portfolio only", async ({ page }) => {
    await signInAsAdmin(page);
    const manager = newUserData("Account manager", "dash-am");
    await createUser(page, manager);
    const managerId = await userIdByEmail(page, manager.email);
    const mine = newClientFields("dash-mine");
    const theirs = newClientFields("dash-theirs");
    await createClientViaApi(page, mine, managerId);
    await createClientViaApi(page, theirs);
    await signOut(page);

    await signIn(page, manager.email, manager.password);
    await gotoHydrated(page, "/");
    await expect(page.getByText(/^Your portfolio,/)).toBeVisible();
    expect(await kpiValue(page, "Clients")).toBe(1);
    const feed = page.getByRole("region", { name: "Recent activity" });
    await expect(feed).toContainText(mine.company_name);
    await expect(page.locator("body")).not.toContainText(theirs.company_name);
  });

  test("a dropped stream shows reconnecting, then live, with the missed event shown", async ({ page, browser, baseURL }) => {
    await signInAsAdmin(page);
    await gotoHydrated(page, "/");
    const state = page.getByRole("banner").getByRole("status");
    await expect(state).toHaveText(/Live/);
    await markDocument(page);
    await page.context().setOffline(true);
    await expect(state).toHaveText(/Offline|Reconnecting/);

    // Missed while the tab was cut off.
    const other = await newIsolatedPage(browser, baseURL);
    await signInAsAdmin(other);
    const fields = newClientFields("dash-missed");
    const missed = await createClientViaApi(other, fields);
    // Let its analysis task finish too while the tab is cut off, so nothing new comes after the reconnect:
    // the feed can only learn of the client from the replay.
    await expect
      .poll(async () => {
        const tasks = await apiPost<Array<{ status: string }>>(other, "tasks/list", {
          status: "", task_type: "", agent: "", client: missed.id, campaign: "", priority: "",
        });
        return tasks.length > 0 && tasks.every((t) => ["completed", "failed"].includes(t.status));
      }, { timeout: 20_000 })
      .toBe(true);

    await page.context().setOffline(false);
    await expect(state).toHaveText(/Live/, { timeout: 40_000 });
    await expect(page.getByRole("region", { name: "Recent activity" })).toContainText(fields.company_name, { timeout: 15_000 });
    expect(await sameDocument(page)).toBe(true);
    await other.context().close();
  });

  test("analytics: agent and business tables for the range, each exportable", async ({ page }) => {
    await signInAsAdmin(page);
    await createClientViaApi(page, newClientFields("analytics"));
    await gotoHydrated(page, "/analytics?range=quarter");
    await expect(page.getByRole("heading", { name: "Analytics", level: 1 })).toBeVisible();
    await expect(page.getByRole("table", { name: "Agent figures" })).toContainText("Business development director");
    await expect(page.getByRole("table", { name: "Pipeline now" })).toContainText("Prospect");
    await expect(page.getByRole("heading", { name: "System" })).toBeVisible();
    const excel = page.getByRole("link", { name: "Export agent figures as Excel" });
    await expect(excel).toHaveAttribute("href", "/export/analytics/agents.xlsx?range=quarter");
    const response = await page.request.get((await excel.getAttribute("href"))!);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("spreadsheetml");
    const csv = await (await page.request.get("/export/analytics/business.csv?range=quarter")).text();
    expect(csv.split("\n")[0]).toBe("figure,count,value");
  });
});

