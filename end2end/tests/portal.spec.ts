import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import {
  createCampaignViaApi,
  createClientViaApi,
  createUser,
  gotoHydrated,
  mainNav,
  newClientFields,
  newIsolatedPage,
  newUserData,
  signIn,
  signInAsAdmin,
  signOut,
  uniqueSuffix,
  userIdByEmail,
  waitForHydration,
} from "./helpers";

async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(results.violations).toEqual([]);
}

test.describe("client portal", () => {
  test("a manager invites a client user, who sees only their company, downloads the PDF and writes; the manager answers", async ({
    page,
    browser,
    baseURL,
  }) => {
    test.setTimeout(120_000);
    // An account manager with a client and its campaign; another client outside the portfolio.
    const manager = newUserData("Account manager", "portal-manager");
    await signInAsAdmin(page);
    await createUser(page, manager);
    const managerId = await userIdByEmail(page, manager.email);
    const mine = await createClientViaApi(page, newClientFields("portal-mine"), managerId);
    await createCampaignViaApi(page, mine.id);
    const other = await createClientViaApi(page, newClientFields("portal-other"));
    await signOut(page);

    // The manager invites a person from the client's page: a wrong address is refused next to its field.
    await signIn(page, manager.email, manager.password);
    await gotoHydrated(page, `/clients/${mine.id}`);
    const portal = page.getByRole("region", { name: "Client portal" });
    await portal.getByLabel("Their name").fill("Dana Buyer");
    await portal.getByLabel("Their email").fill("dana@localhost");
    await portal.getByRole("button", { name: "Invite to the portal" }).click();
    await expect(portal.getByRole("alert").filter({ hasText: "email" }).first()).toBeVisible();
    const email = `dana-${uniqueSuffix()}@client.test`;
    await portal.getByLabel("Their email").fill(email);
    await portal.getByRole("button", { name: "Invite to the portal" }).click();
    const link = await portal.getByLabel("Invitation link").inputValue();
    expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
    await expect(portal.getByRole("table", { name: "Invitations" })).toContainText(email);
    await expectNoAxeViolations(page);

    // The invited person opens the link in their own browser and sets a password.
    const client = await newIsolatedPage(browser, baseURL);
    await gotoHydrated(client, new URL(link).pathname);
    await expect(client.getByRole("heading", { name: `Join ${mine.company_name}'s portal` })).toBeVisible();
    await expectNoAxeViolations(client);
    const password = `Client-pass-${uniqueSuffix()}`;
    await client.getByLabel("Password (at least 12 characters)").fill(password);
    await client.getByLabel("The same password again").fill(password);
    await client.getByRole("button", { name: "Set my password and sign in" }).click();
    await expect(client).toHaveURL(/\/portal$/);
    await waitForHydration(client);

    // Signing out and in again lands on the portal, which shows their company only.
    await client.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
    await expect(client).toHaveURL(/\/login/);
    await signIn(client, email, password);
    await expect(client).toHaveURL(/\/portal$/);
    await expect(client.getByRole("heading", { level: 1, name: mine.company_name })).toBeVisible();
    await expect(client.getByRole("main")).not.toContainText(other.company_name);
    await expect(mainNav(client).getByRole("link")).toHaveText(["Overview", "Report", "Messages", "Account"]);
    await expectNoAxeViolations(client);

    // Their report, and its PDF.
    await mainNav(client).getByRole("link", { name: "Report" }).click();
    await expect(client.getByRole("heading", { level: 1, name: new RegExp(`${mine.company_name}: SEO report`) })).toBeVisible();
    await expect(client.getByRole("main")).not.toContainText(other.company_name);
    await expect(client.getByRole("link", { name: /Source:/ })).toHaveCount(0);
    await expectNoAxeViolations(client);
    const [download] = await Promise.all([
      client.waitForEvent("download"),
      client.getByRole("link", { name: "Download the PDF" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/-seo-report-\d{4}-\d{2}\.pdf$/);

    // The console is closed to them: the other client's page and the clients list.
    for (const path of [`/clients/${other.id}`, "/clients"]) {
      const res = await client.goto(path);
      expect(res?.status(), path).toBe(403);
    }

    // They write to their account manager.
    await gotoHydrated(client, "/portal/messages");
    await client.getByLabel("Your message").fill("Hello! How is the campaign going? Could we schedule a call?");
    await client.getByRole("button", { name: "Send the message" }).click();
    await expect(client.getByRole("list", { name: "Conversation" })).toContainText("How is the campaign going?");
    await expect(client.getByLabel("Your message")).toHaveValue("");
    await expectNoAxeViolations(client);

    // The manager sees it in the inbox, with the agent's draft, edits it and sends it.
    await gotoHydrated(page, "/messages");
    await expect(page.getByRole("heading", { name: "Messages", exact: true })).toBeVisible();
    await expectNoAxeViolations(page);
    await page.getByRole("link", { name: mine.company_name }).click();
    await expect(page.getByRole("heading", { name: `Conversation with ${mine.company_name}` })).toBeVisible();
    const answer = page.getByLabel(/Your answer/);
    await expect(answer).toHaveValue(/Hello Dana,/, { timeout: 20_000 });
    await expect(answer).toHaveValue(/talk/);
    await expectNoAxeViolations(page);
    const edited = `${await answer.inputValue()}\n\nP.S. See you on Thursday.`;
    await answer.fill(edited);
    await page.getByRole("button", { name: "Send the answer" }).click();
    await expect(page.getByRole("list", { name: "Conversation" })).toContainText("P.S. See you on Thursday.");

    // The client sees the answer in the thread.
    await gotoHydrated(client, "/portal/messages");
    const thread = client.getByRole("list", { name: "Conversation" });
    await expect(thread).toContainText("How is the campaign going?");
    await expect(thread).toContainText("P.S. See you on Thursday.");
    await expect(thread).toContainText(manager.name);

    // The portal on a phone: no sideways page scroll.
    await client.setViewportSize({ width: 390, height: 844 });
    const wide: string[] = [];
    for (const path of ["/portal", "/portal/report", "/portal/messages", "/account"]) {
      await gotoHydrated(client, path);
      const width = await client.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) wide.push(`${path}: ${width} px`);
    }
    expect(wide, "portal pages wider than the screen").toEqual([]);
    await client.context().close();
  });
});
