import { expect, test } from "@playwright/test";
import {
  acceptDialogs,
  clientsCount,
  clientsTable,
  createCampaignViaApi,
  createClientViaApi,
  createUser,
  expectCampaignStatus,
  fillClientForm,
  gotoHydrated,
  mainNav,
  newClientFields,
  newClientFormData,
  newUserData,
  searchClients,
  selectedOptionLabel,
  signIn,
  signInAsAdmin,
  signOut,
  uniqueSuffix,
  userIdByEmail,
  waitForHydration,
} from "./helpers";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

test.describe("clients", () => {
  test("staff creates a client, finds it with filters that live in the URL, and clears them", async ({ page }) => {
    const staff = newUserData("Staff", "clients-staff");
    const client = newClientFormData("filtered");

    await signInAsAdmin(page);
    await createUser(page, staff);
    await signOut(page);
    await signIn(page, staff.email, staff.password);

    // Staff reach the list from the navigation and may create clients, but have no portfolio.
    const nav = mainNav(page);
    await expect(nav.getByRole("link", { name: "Portfolio", exact: true })).toHaveCount(0);
    await nav.getByRole("link", { name: "Clients", exact: true }).click();
    await expect(page).toHaveURL((url) => url.pathname === "/clients");
    await waitForHydration(page);
    await page.getByRole("link", { name: "New client", exact: true }).click();
    await expect(page).toHaveURL((url) => url.pathname === "/clients/new");
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name: "New client", exact: true })).toBeVisible();

    // Create through the form: the browser lands on the client's page.
    await fillClientForm(page, client);
    await page.getByRole("button", { name: "Create client" }).click();
    await expect(page).toHaveURL(new RegExp(`/clients/${UUID}$`));
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name: client.companyName, exact: true })).toBeVisible();
    const clientPath = new URL(page.url()).pathname;
    await expect(page.getByText("client.created").first()).toBeVisible();

    // A filter that excludes it: same name, another industry.
    await gotoHydrated(page, "/clients");
    await searchClients(page, client.companyName, "Finance and insurance");
    await expect(clientsTable(page).getByRole("link", { name: client.companyName, exact: true })).toHaveCount(0);

    // Search by the unique name plus its industry: exactly this client, and the filters are in the URL.
    await searchClients(page, client.companyName, "SaaS and software");
    await expect(page).toHaveURL(
      (url) => url.searchParams.get("q") === client.companyName && url.searchParams.get("industry") === "saas",
    );
    const expectFound = async () => {
      const table = clientsTable(page);
      const link = table.getByRole("link", { name: client.companyName, exact: true });
      await expect(link).toBeVisible();
      await expect(link).toHaveAttribute("href", clientPath);
      const row = table.getByRole("row").filter({ has: page.getByRole("link", { name: client.companyName, exact: true }) });
      await expect(row).toContainText("SaaS and software");
      await expect(row).toContainText("Germany");
      await expect(row).toContainText("Prospect");
      // The header row plus this one.
      await expect(table.getByRole("row")).toHaveCount(2);
      await expect(clientsCount(page)).toContainText(/\b1 clients?\b/);
    };
    await expectFound();

    // The exports carry the same filters.
    for (const name of ["Export CSV", "Export JSON"]) {
      const href = await page.getByRole("link", { name, exact: true }).getAttribute("href");
      expect(href, `${name} should have an href`).not.toBeNull();
      const exportUrl = new URL(href!, page.url());
      expect(exportUrl.pathname).toMatch(/^\/export\/clients\.(csv|json)$/);
      expect(exportUrl.searchParams.get("q")).toBe(client.companyName);
      expect(exportUrl.searchParams.get("industry")).toBe("saas");
    }

    // A reload keeps the filters and the result.
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel("Search", { exact: true })).toHaveValue(client.companyName);
    await expect.poll(() => selectedOptionLabel(page.getByLabel("Industry", { exact: true }))).toBe("SaaS and software");
    await expectFound();

    // "Clear filters" resets the form and the URL.
    await page.getByRole("link", { name: "Clear filters", exact: true }).click();
    await expect(page).toHaveURL(
      (url) => url.pathname === "/clients" && !url.searchParams.has("q") && !url.searchParams.has("industry"),
    );
    await waitForHydration(page);
    await expect(page.getByLabel("Search", { exact: true })).toHaveValue("");
    await expect.poll(() => selectedOptionLabel(page.getByLabel("Industry", { exact: true }))).toBe("Any industry");
    await expect(clientsCount(page)).toBeVisible();
  });

  test("the new-client form shows field errors and creates nothing", async ({ page }) => {
    await signInAsAdmin(page);
    await gotoHydrated(page, "/clients");
    await expect(clientsCount(page)).toBeVisible();
    const countBefore = (await clientsCount(page).textContent())?.trim();

    await gotoHydrated(page, "/clients/new");
    await expect(page.getByRole("heading", { name: "New client", exact: true })).toBeVisible();
    // Blank (only spaces, so a `required` attribute can't stop the submission) and a host without a dot
    // (a valid URL for the browser, not a website for the server).
    await fillClientForm(page, {
      ...newClientFormData("invalid"),
      companyName: "   ",
      website: "http://localhost",
    });
    await page.getByRole("button", { name: "Create client" }).click();

    const companyName = page.getByLabel("Company name", { exact: true });
    const website = page.getByLabel("Website", { exact: true });
    await expect(page.getByRole("alert").filter({ hasText: /enter the company name/i })).toBeVisible();
    await expect(companyName).toHaveAccessibleDescription(/enter the company name/i);
    await expect(website).toHaveAccessibleDescription(/domain/i);
    await expect(page.getByRole("alert").filter({ hasText: /domain/i }).first()).toBeVisible();
    await expect(page).toHaveURL((url) => url.pathname === "/clients/new");
    await expect(page.getByRole("heading", { name: "New client", exact: true })).toBeVisible();

    // Nothing was created.
    await gotoHydrated(page, "/clients");
    await expect(clientsCount(page)).toBeVisible();
    expect((await clientsCount(page).textContent())?.trim()).toBe(countBefore);
  });

  test("an account manager sees only their own portfolio", async ({ page }) => {
    const managerA = newUserData("Account manager", "manager-a");
    const managerB = newUserData("Account manager", "manager-b");
    const suffix = uniqueSuffix();
    const fieldsA = newClientFields("portfolio", { company_name: `Portfolio A ${suffix}` });
    const fieldsB = newClientFields("portfolio", { company_name: `Portfolio B ${suffix}` });

    await signInAsAdmin(page);
    await expect(mainNav(page).getByRole("link", { name: "Portfolio", exact: true })).toHaveCount(0);
    await createUser(page, managerA);
    await createUser(page, managerB);
    const clientA = await createClientViaApi(page, fieldsA, await userIdByEmail(page, managerA.email));
    const clientB = await createClientViaApi(page, fieldsB, await userIdByEmail(page, managerB.email));
    await signOut(page);

    await signIn(page, managerA.email, managerA.password);
    const nav = mainNav(page);
    await expect(nav.getByRole("link", { name: "Clients", exact: true })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Portfolio", exact: true })).toBeVisible();

    // /clients: A's client, not B's, though the search matches both names.
    await gotoHydrated(page, "/clients");
    await expect(page.getByRole("link", { name: "New client", exact: true })).toHaveCount(0);
    await searchClients(page, suffix);
    const table = clientsTable(page);
    await expect(table.getByRole("link", { name: clientA.company_name, exact: true })).toBeVisible();
    await expect(table.getByRole("link", { name: clientB.company_name, exact: true })).toHaveCount(0);
    await expect(page.getByText(clientB.company_name)).toHaveCount(0);

    // /portfolio, reached from the navigation.
    await nav.getByRole("link", { name: "Portfolio", exact: true }).click();
    await expect(page).toHaveURL((url) => url.pathname === "/portfolio");
    await waitForHydration(page);
    await expect(page.getByRole("heading", { name: "My portfolio", exact: true })).toBeVisible();
    const portfolio = page.getByRole("table", { name: "My clients" });
    await expect(portfolio.getByRole("link", { name: clientA.company_name, exact: true })).toBeVisible();
    await expect(portfolio.getByRole("link", { name: clientB.company_name, exact: true })).toHaveCount(0);

    // A's own client opens; B's is "Not found", without revealing B's name.
    await gotoHydrated(page, `/clients/${clientA.id}`);
    await expect(page.getByRole("heading", { name: clientA.company_name, exact: true })).toBeVisible();
    await page.goto(`/clients/${clientB.id}`);
    await expect(page.getByText(/not found/i).first()).toBeVisible();
    await expect(page.getByText(clientB.company_name)).toHaveCount(0);
    await expect(page).not.toHaveTitle(new RegExp(clientB.company_name));
  });

  test("a client with an active campaign can't be deleted until the campaign is cancelled", async ({ page }) => {
    await signInAsAdmin(page);
    acceptDialogs(page);
    const client = await createClientViaApi(page, newClientFields("protected"));
    const campaign = await createCampaignViaApi(page, client.id, { name: `Protected launch ${uniqueSuffix()}` });

    // Start the campaign on its page.
    await gotoHydrated(page, `/campaigns/${campaign.id}`);
    await expect(page.getByRole("heading", { name: campaign.name, exact: true })).toBeVisible();
    await expectCampaignStatus(page, "Draft");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await expectCampaignStatus(page, "Active");

    // Deleting the client is refused, naming the campaign.
    await gotoHydrated(page, `/clients/${client.id}`);
    await expect(page.getByRole("heading", { name: client.company_name, exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Delete client", exact: true }).click();
    const refusal = page
      .getByRole("alert")
      .filter({ hasText: /can't be deleted while it has active or paused campaigns/i });
    await expect(refusal).toBeVisible();
    await expect(refusal).toContainText(campaign.name);
    await expect(page.getByRole("heading", { name: client.company_name, exact: true })).toBeVisible();

    // Cancel the campaign, reached from the client's Campaigns table.
    await page.getByRole("link", { name: campaign.name, exact: true }).first().click();
    await expect(page).toHaveURL((url) => url.pathname === `/campaigns/${campaign.id}`);
    await waitForHydration(page);
    await expectCampaignStatus(page, "Active");
    await page.getByRole("button", { name: "Cancel campaign", exact: true }).click();
    await expectCampaignStatus(page, "Cancelled");

    // Now the client can be deleted, and the list no longer finds it.
    await gotoHydrated(page, `/clients/${client.id}`);
    await page.getByRole("button", { name: "Delete client", exact: true }).click();
    await expect(page).not.toHaveURL((url) => url.pathname === `/clients/${client.id}`);
    await gotoHydrated(page, "/clients");
    await searchClients(page, client.company_name);
    await expect(clientsTable(page).getByRole("link", { name: client.company_name, exact: true })).toHaveCount(0);
    await page.goto(`/clients/${client.id}`);
    await expect(page.getByText(/not found/i).first()).toBeVisible();
  });
});
