import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import {
  apiPost,
  createCampaignViaApi,
  createClientViaApi,
  createUser,
  gotoHydrated,
  newClientFields,
  newUserData,
  signIn,
  signInAsAdmin,
  signOut,
  userIdByEmail,
} from "./helpers";

/** Runs axe with the WCAG 2 A and AA rules on the current page and expects no violations. */
async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(results.violations).toEqual([]);
}

test.describe("accessibility (axe, WCAG 2 A/AA)", () => {
  test("/login", async ({ page }) => {
    await gotoHydrated(page, "/login");
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await expectNoAxeViolations(page);
  });

  // withClient: create a client first, so lists and statistics have rows to check.
  const signedInPages: Array<{ path: string; heading: string; withClient?: boolean }> = [
    { path: "/", heading: "Dashboard", withClient: true },
    { path: "/account", heading: "Your account" },
    { path: "/admin/users", heading: "Users" },
    { path: "/admin/users/new", heading: "New user" },
    { path: "/admin/activity", heading: "Activity log" },
    { path: "/admin/webhooks", heading: "Webhooks" },
    { path: "/admin/webhooks/new", heading: "New webhook endpoint" },
    { path: "/admin/branding", heading: "Branding" },
    { path: "/admin/report-templates", heading: "Report templates" },
    { path: "/reports/deliveries", heading: "Report emails" },
    { path: "/clients", heading: "Clients", withClient: true },
    { path: "/clients/new", heading: "New client" },
    { path: "/clients/stats", heading: "Client statistics", withClient: true },
    { path: "/tasks", heading: "Tasks", withClient: true },
    { path: "/tasks/new", heading: "Run an agent", withClient: true },
    { path: "/agents", heading: "Agents" },
    { path: "/analytics", heading: "Analytics", withClient: true },
    { path: "/audits", heading: "Site audits", withClient: true },
  ];

  for (const { path, heading, withClient } of signedInPages) {
    test(`${path} (admin)`, async ({ page }) => {
      await signInAsAdmin(page);
      if (withClient) {
        await createClientViaApi(page, newClientFields("a11y-list"));
      }
      await gotoHydrated(page, path);
      await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
      await expectNoAxeViolations(page);
    });
  }

  test("a client page and a campaign page (admin)", async ({ page }) => {
    await signInAsAdmin(page);
    const client = await createClientViaApi(page, newClientFields("a11y"));
    const campaign = await createCampaignViaApi(page, client.id);

    await gotoHydrated(page, `/clients/${client.id}`);
    await expect(page.getByRole("heading", { name: client.company_name, exact: true })).toBeVisible();
    await expectNoAxeViolations(page);

    await gotoHydrated(page, `/campaigns/${campaign.id}`);
    await expect(page.getByRole("heading", { name: campaign.name, exact: true })).toBeVisible();
    await expectNoAxeViolations(page);
  });

  test("task pages with rendered outputs (admin)", async ({ page }) => {
    await signInAsAdmin(page);
    const client = await createClientViaApi(
      page,
      newClientFields("a11y-task", { lead_budget: "4000", lead_timeline: "immediate", lead_pain_points: "rankings" }),
    );
    for (const taskType of ["lead_qualification", "proposal_generation", "pipeline_review", "client_health", "strategy", "reporting", "sales_conversation"]) {
      const id = await apiPost<string>(page, "tasks/run", {
        "input[task_type]": taskType,
        "input[client_id]": client.id,
        "input[campaign_id]": "",
        "input[priority]": "",
        "input[currency]": "",
        "input[period_days]": "",
      });
      await gotoHydrated(page, `/tasks/${id}`);
      await expect(page.getByRole("status").filter({ hasText: "Status:" })).toContainText("Completed", { timeout: 20_000 });
      await expectNoAxeViolations(page);
    }
  });

  test("/portfolio (account manager)", async ({ page }) => {
    const manager = newUserData("Account manager", "a11y-manager");
    await signInAsAdmin(page);
    await createUser(page, manager);
    // A client in the portfolio, so the table has a row.
    await createClientViaApi(page, newClientFields("a11y-portfolio"), await userIdByEmail(page, manager.email));
    await signOut(page);

    await signIn(page, manager.email, manager.password);
    await gotoHydrated(page, "/portfolio");
    await expect(page.getByRole("heading", { name: "My portfolio", exact: true })).toBeVisible();
    await expect(page.getByRole("table", { name: "My clients" })).toBeVisible();
    await expectNoAxeViolations(page);
  });
});

test.describe("every main page on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("fits a 390 px wide screen without sideways page scroll (wide tables scroll in their own box)", async ({ page }) => {
    await signInAsAdmin(page);
    const client = await createClientViaApi(page, newClientFields("phone"));
    const campaign = await createCampaignViaApi(page, client.id);
    const paths = [
      "/", "/clients", "/clients/new", "/clients/stats", `/clients/${client.id}`, `/clients/${client.id}/edit`,
      `/clients/${client.id}/audits`, `/clients/${client.id}/report`, `/campaigns/${campaign.id}`, "/tasks", "/tasks/new", "/agents", "/audits", "/analytics",
      "/account", "/admin/users", "/admin/users/new", "/admin/activity", "/admin/branding", "/admin/report-templates",
      "/reports/deliveries", `/clients/${client.id}/report-emails`, "/messages", `/messages/${client.id}`,
    ];
    const wide: string[] = [];
    for (const path of paths) {
      await gotoHydrated(page, path);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) wide.push(`${path}: ${width} px`);
    }
    expect(wide, "pages wider than the screen").toEqual([]);
  });
});
