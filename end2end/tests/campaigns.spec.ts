import { expect, test } from "@playwright/test";
import {
  DEFAULT_AGENT_LABELS,
  acceptDialogs,
  createCampaignViaApi,
  createClientViaApi,
  expectCampaignMoves,
  expectCampaignStatus,
  gotoHydrated,
  moveCampaign,
  newClientFields,
  signInAsAdmin,
  uniqueSuffix,
  waitForHydration,
} from "./helpers";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

test.describe("campaigns", () => {
  test("a campaign is created with the default agents and goes through its lifecycle", async ({ page }) => {
    const name = `E2E lifecycle ${uniqueSuffix()}`;

    await signInAsAdmin(page);
    acceptDialogs(page);
    const client = await createClientViaApi(page, newClientFields("lifecycle"));

    // From the client's page to the new-campaign form.
    await gotoHydrated(page, `/clients/${client.id}`);
    await expect(page.getByRole("heading", { name: client.company_name, exact: true })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Campaigns", exact: true })).toBeVisible();
    await page.getByRole("link", { name: "New campaign", exact: true }).click();
    await expect(page).toHaveURL((url) => url.pathname === `/clients/${client.id}/campaigns/new`);
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name: "New campaign", exact: true })).toBeVisible();

    // The default team is preselected.
    const agents = page.getByRole("group", { name: "Agents" });
    await expect(agents).toBeVisible();
    for (const agent of DEFAULT_AGENT_LABELS) {
      await expect(agents.getByRole("checkbox", { name: agent, exact: true }), `${agent} should be checked`).toBeChecked();
    }

    await page.getByLabel("Campaign name", { exact: true }).fill(name);
    await page.getByLabel("Type", { exact: true }).selectOption({ label: "Content" });
    await page.getByLabel("Start date", { exact: true }).fill("2030-03-01");
    await page.getByLabel("End date", { exact: true }).fill("2030-08-31");
    await page.getByLabel("Budget", { exact: true }).fill("6000");
    await page.getByLabel("Objectives", { exact: true }).fill("Grow organic sign-ups by a third.");
    await page.getByRole("button", { name: "Create campaign" }).click();

    // A draft, offering only Start and Cancel.
    await expect(page).toHaveURL(new RegExp(`/campaigns/${UUID}$`));
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name, exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "Edit campaign", exact: true })).toBeVisible();
    await expectCampaignStatus(page, "Draft");
    await expectCampaignMoves(page, ["Start", "Cancel campaign"]);
    await expect(page.getByRole("button", { name: "Delete campaign", exact: true })).toBeVisible();

    await moveCampaign(page, "Start", "Active");
    await expectCampaignMoves(page, ["Pause", "Complete", "Cancel campaign"]);
    await expect(page.getByRole("button", { name: "Delete campaign", exact: true })).toHaveCount(0);

    await moveCampaign(page, "Pause", "Paused");
    await expectCampaignMoves(page, ["Start", "Cancel campaign"]);
    await expect(page.getByRole("button", { name: "Delete campaign", exact: true })).toHaveCount(0);

    await moveCampaign(page, "Start", "Active");
    await expectCampaignMoves(page, ["Pause", "Complete", "Cancel campaign"]);

    await moveCampaign(page, "Complete", "Completed");
    await expectCampaignMoves(page, []);
    await expect(page.getByRole("button", { name: "Delete campaign", exact: true })).toBeVisible();

    // The state survives a reload.
    await page.reload();
    await waitForHydration(page);
    await expectCampaignStatus(page, "Completed");
    await expectCampaignMoves(page, []);

    // Back on the client's page: the campaign is listed and the status changes are in the activity.
    await page.getByRole("link", { name: client.company_name, exact: true }).first().click();
    await expect(page).toHaveURL((url) => url.pathname === `/clients/${client.id}`);
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name: client.company_name, exact: true })).toBeVisible();
    const campaignLink = page.getByRole("link", { name, exact: true }).first();
    await expect(campaignLink).toBeVisible();
    await expect(campaignLink).toHaveAttribute("href", /\/campaigns\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { name: "Activity", exact: true })).toBeVisible();
    await expect(page.getByText("campaign.status_changed").first()).toBeVisible();
  });

  test("a duplicate campaign name, in another case, is refused with a field error", async ({ page }) => {
    const name = `E2E duplicate ${uniqueSuffix()}`;

    await signInAsAdmin(page);
    const client = await createClientViaApi(page, newClientFields("duplicate"));
    await createCampaignViaApi(page, client.id, { name });

    await gotoHydrated(page, `/clients/${client.id}/campaigns/new`);
    await expect(page.getByRole("heading", { name: "New campaign", exact: true })).toBeVisible();
    await page.getByLabel("Campaign name", { exact: true }).fill(name.toUpperCase());
    await page.getByLabel("Type", { exact: true }).selectOption({ label: "Full SEO" });
    await page.getByLabel("Start date", { exact: true }).fill("2030-05-01");
    await page.getByLabel("Budget", { exact: true }).fill("2000");
    await page.getByRole("button", { name: "Create campaign" }).click();

    const message = /this client already has a campaign with this name/i;
    await expect(page.getByRole("alert").filter({ hasText: message })).toBeVisible();
    await expect(page.getByLabel("Campaign name", { exact: true })).toHaveAccessibleDescription(message);
    await expect(page).toHaveURL((url) => url.pathname === `/clients/${client.id}/campaigns/new`);
    await expect(page.getByRole("heading", { name: "New campaign", exact: true })).toBeVisible();

    // The original campaign is listed, the upper-case one isn't on the client's page.
    await gotoHydrated(page, `/clients/${client.id}`);
    await expect(page.getByRole("link", { name, exact: true }).first()).toBeVisible();
    await expect(page.getByRole("link", { name: name.toUpperCase(), exact: true })).toHaveCount(0);
  });
});
