import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { apiPost, createClientViaApi, gotoHydrated, newClientFields, signInAsAdmin, uniqueSuffix } from "./helpers";

async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(results.violations).toEqual([]);
}

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f000500" +
    "01ff89993d1d0000000049454e44ae426082",
  "hex",
);

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

test.describe("client reports", () => {
  test("an admin brands the reports, and a client's report shows its figures on the web and as a PDF", async ({ page }) => {
    await signInAsAdmin(page);
    const agency = `Northwind SEO ${uniqueSuffix()}`;
    await gotoHydrated(page, "/admin/branding");
    await page.getByLabel("Agency name").fill(agency);
    await page.getByLabel("Accent colour").fill("#0f766e");
    await page.getByRole("button", { name: "Save name and colour" }).click();
    await expect(page.getByLabel("Agency name")).toHaveValue(agency);
    await page.getByLabel(/Logo file/).setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG });
    await page.getByRole("button", { name: "Upload the logo" }).click();
    await expect(page).toHaveURL(/\/admin\/branding$/);
    await expect(page.getByRole("img", { name: `${agency} logo` })).toBeVisible();
    await expectNoAxeViolations(page);

    // A file that is not an image is refused with the reason, next to the form.
    await page.getByLabel(/Logo file/).setInputFiles({ name: "logo.svg", mimeType: "image/svg+xml", buffer: Buffer.from("<svg/>") });
    await page.getByRole("button", { name: "Upload the logo" }).click();
    await expect(page.getByRole("alert")).toContainText("PNG or JPEG");

    // A client with the reporting agent's figures and the strategist's roadmap.
    const client = await createClientViaApi(page, newClientFields("report"));
    for (const taskType of ["reporting", "strategy"]) {
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
    }

    // This month so far, as custom dates through the period form.
    const today = new Date();
    const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
    await gotoHydrated(page, `/clients/${client.id}/report`);
    await page.getByLabel("Month or quarter").selectOption({ label: "Custom dates (below)" });
    await page.getByLabel("From").fill(isoDay(first));
    await page.getByLabel("To").fill(isoDay(today));
    await page.getByRole("button", { name: "Show the report" }).click();
    await expect(page).toHaveURL(new RegExp(`from=${isoDay(first)}`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText(`${client.company_name}: SEO report`);
    await expect(page.getByRole("img", { name: `${agency} logo` })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Figures" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Source: the reporting agent's task" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Source: the strategist's roadmap" })).toBeVisible();
    await expectNoAxeViolations(page);

    // A template with the figures first and an introduction, chosen on the report.
    const templateName = `Executive ${uniqueSuffix()}`;
    await gotoHydrated(page, "/admin/report-templates");
    await page.getByLabel("Template name").fill(templateName);
    await page.getByLabel("Introduction (shown before the sections)").fill("Dear client, here is your month in short.");
    await page.getByLabel("Position of Health score").selectOption("2");
    await page.getByLabel("Position of Figures").selectOption("1");
    await page.getByRole("button", { name: "Add template" }).click();
    await expect(page.getByRole("table", { name: "Templates" }).getByRole("link", { name: templateName })).toBeVisible();
    await expectNoAxeViolations(page);
    await gotoHydrated(page, `/clients/${client.id}/report?from=${isoDay(first)}&to=${isoDay(today)}`);
    await page.getByLabel("Template").selectOption({ label: templateName });
    await page.getByRole("button", { name: "Show the report" }).click();
    await expect(page.getByText("Dear client, here is your month in short.")).toBeVisible();
    const headings = await page.getByRole("heading", { level: 2 }).allTextContents();
    expect(headings.slice(0, 2)).toEqual(["Figures", "Health score"]);
    await expect(page.getByRole("heading", { name: "Campaigns" })).toHaveCount(0);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download the PDF" }).click()]);
    expect(download.suggestedFilename()).toMatch(/-seo-report-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.pdf$/);
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  });
});

test.describe("report emails", () => {
  test("an admin schedules a client's report, previews and sends it, and sees the delivery in the outbox", async ({ page }) => {
    test.setTimeout(90_000);
    await signInAsAdmin(page);
    const client = await createClientViaApi(page, newClientFields("mailed"));
    await gotoHydrated(page, `/clients/${client.id}/report-emails`);
    await expect(page.getByRole("heading", { name: `Report emails: ${client.company_name}` })).toBeVisible();
    // The end-to-end server has no SMTP server: the page says where emails go instead.
    await expect(page.getByText("No mail server is configured")).toBeVisible();

    // A wrong address is refused next to its field, naming it.
    await page.getByLabel("How often").selectOption("weekly");
    await page.getByLabel(/Recipients/).fill("owner@example.com, not-an-address");
    await page.getByRole("button", { name: "Save schedule" }).click();
    await expect(page.getByText("“not-an-address”: email must look like name@example.com")).toBeVisible();

    await page.getByLabel(/Recipients/).fill("Owner@Example.com\nmarketing@example.com");
    await page.getByRole("button", { name: "Save schedule" }).click();
    await expect(page.getByText(/^Weekly on Monday at 06:00 UTC to 2 recipient\(s\)/)).toBeVisible();
    await expect(page.getByLabel(/Weekday/)).toBeVisible();
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Preview the email" }).click();
    const preview = page.getByRole("article", { name: "Preview" });
    await expect(preview).toContainText(`SEO report for ${client.company_name}`);
    await expect(preview).toContainText("owner@example.com, marketing@example.com");

    await page.getByRole("button", { name: "Send now" }).click();
    const deliveries = page.getByRole("table", { name: "Report emails of this client" });
    await expect(deliveries.getByRole("row").nth(1)).toContainText("In the outbox", { timeout: 30_000 });
    await expect(deliveries.getByRole("row").nth(1)).toContainText("Send now");
    const download = page.waitForEvent("download");
    await deliveries.getByRole("link", { name: "Download the .eml file" }).click();
    const eml = readFileSync(await (await download).path()).toString("latin1");
    expect(eml).toContain("To: owner@example.com, marketing@example.com");
    expect(eml).toContain("Content-Type: application/pdf");

    // The client's page lists it; the deliveries page too, with the outbox warning.
    await gotoHydrated(page, `/clients/${client.id}`);
    await expect(page.getByRole("table", { name: "Latest report emails" })).toContainText("In the outbox");
    await gotoHydrated(page, "/reports/deliveries");
    await expect(page.getByRole("heading", { name: "Report emails", exact: true })).toBeVisible();
    await expect(page.getByRole("table", { name: "Report emails" }).getByRole("link", { name: client.company_name }).first()).toBeVisible();
    await expectNoAxeViolations(page);
  });
});
