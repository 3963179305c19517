import { expect, test, type Page } from "@playwright/test";
import { createClientViaApi, gotoHydrated, newClientFields, signInAsAdmin, waitForHydration } from "./helpers";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** A prospect with a full lead profile. */
function prospect(label: string) {
  return newClientFields(label, {
    annual_revenue: "12000000",
    employee_count: "180",
    lead_budget: "6000",
    lead_timeline: "within_quarter",
    lead_decision_maker_role: "VP Marketing",
    lead_pain_points: "Organic traffic fell after the site migration; rankings dropped",
    contact_name: "Dana Fox",
  });
}

/** From the client's page, runs an agent through the form and waits for its task page to say Completed. */
async function runFromClientPage(page: Page, clientId: string, what: string, currency?: string): Promise<void> {
  await gotoHydrated(page, `/clients/${clientId}`);
  await page.getByRole("link", { name: "Run an agent", exact: true }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/tasks/new");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Run an agent", exact: true })).toBeVisible();
  await page.getByLabel("What to run", { exact: true }).selectOption({ label: what });
  await expect(page.getByLabel("Client", { exact: true })).toHaveValue(clientId);
  if (currency) {
    await page.getByLabel("Proposal currency", { exact: true }).selectOption(currency);
  }
  await page.getByRole("button", { name: "Run agent", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${UUID}$`));
  await waitForHydration(page);
  // The page follows the task live until it finishes.
  await expect(page.getByRole("status").filter({ hasText: "Status:" })).toContainText("Completed", { timeout: 20_000 });
}

test.describe("agent tasks", () => {
  test("lead qualification on a prospect shows its score breakdown", async ({ page }) => {
    await signInAsAdmin(page);
    const client = await createClientViaApi(page, prospect("lead"));
    await runFromClientPage(page, client.id, "Lead qualification (Lead qualification)");

    await expect(page.getByRole("heading", { name: `Lead qualification for ${client.company_name}` })).toBeVisible();
    const breakdown = page.getByRole("table", { name: "Lead score: how the score is made up" });
    await expect(breakdown).toBeVisible();
    for (const part of ["Budget", "Authority", "Need", "Timeline"]) {
      await expect(breakdown.getByRole("row").filter({ hasText: part }), `${part} row`).toHaveCount(1);
    }
    await expect(page.getByText(/Score \d+(\.\d)? \/ 100/).first()).toBeVisible();
    await expect(page.getByRole("heading", { name: "Next step", exact: true })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Missing inputs" }).first()).toBeVisible();
  });

  test("a proposal shows three packages with prices in the chosen currency", async ({ page }) => {
    await signInAsAdmin(page);
    const client = await createClientViaApi(page, prospect("proposal"));
    await runFromClientPage(page, client.id, "Proposal (Proposal generation)", "EUR");

    const packages = page.getByRole("heading", { level: 3 });
    await expect(packages).toHaveText(["Essentials", "Growth", "Premium"]);
    await expect(page.getByText(/^EUR [\d,]+ \/ month$/)).toHaveCount(3);
    await expect(page.getByText("Recommended", { exact: true })).toHaveCount(1);
    await expect(page.getByRole("table", { name: "Price breakdown" })).toBeVisible();
  });

  test("the task list filters by type and links to each task", async ({ page }) => {
    await signInAsAdmin(page);
    const client = await createClientViaApi(page, prospect("list"));
    await gotoHydrated(page, `/tasks?client=${client.id}`);
    await expect(page.getByRole("heading", { name: "Tasks", exact: true })).toBeVisible();
    const table = page.getByRole("table", { name: "Tasks, newest first" });
    // Every new client gets the business development director's analysis.
    await expect(table.getByRole("link", { name: "Client analysis", exact: true })).toHaveCount(1);
    await page.getByLabel("Type", { exact: true }).selectOption({ label: "Lead qualification" });
    await page.getByRole("button", { name: "Apply filters", exact: true }).click();
    await expect(page).toHaveURL(/type=lead_qualification/);
    await expect(page.getByText("No tasks match.")).toBeVisible();
  });

  test("an admin disables an agent and enables it again on the agents page", async ({ page }) => {
    await signInAsAdmin(page);
    await gotoHydrated(page, "/agents");
    await expect(page.getByRole("heading", { name: "Agents", exact: true })).toBeVisible();
    for (const tier of ["Executive tier", "Management tier", "Operational tier"]) {
      await expect(page.getByRole("heading", { name: tier, exact: true })).toBeVisible();
    }
    await expect(page.getByRole("article")).toHaveCount(14);
    const card = page.getByRole("article", { name: "Sales conversation", exact: true });
    await card.getByRole("button", { name: "Disable Sales conversation" }).click();
    await expect(card.getByRole("button", { name: "Enable Sales conversation" })).toBeVisible();
    await expect(card).toContainText("Disabled");
    await card.getByRole("button", { name: "Enable Sales conversation" }).click();
    await expect(card.getByRole("button", { name: "Disable Sales conversation" })).toBeVisible();
    await expect(card).toContainText("Enabled");
  });

  test("the task list follows the live stream: a task started elsewhere appears without a reload", async ({ page }) => {
    await signInAsAdmin(page);
    await gotoHydrated(page, "/tasks");
    await expect(page.getByRole("banner").getByRole("status")).toHaveText(/Live/);
    const table = page.getByRole("table", { name: "Tasks, newest first" });
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    // A request outside the page (as another tab would send) creates a client; its analysis task is queued.
    const fields = newClientFields("live-list");
    await createClientViaApi(page, fields);
    await expect(table).toContainText(fields.company_name, { timeout: 15_000 });
    // The same document all along: no reload happened.
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  });
});
