import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { ADMIN_EMAIL, gotoHydrated, signInAsAdmin, waitForHydration } from "./helpers";

test.describe("API tokens", () => {
  test("a user makes a token on their account page, uses it, and revokes it", async ({ page, playwright, baseURL }) => {
    await signInAsAdmin(page);
    await gotoHydrated(page, "/account");
    const name = `E2E token ${Date.now()}`;
    await page.getByLabel("Token name").fill(name);
    await page.getByLabel("Expires in (days)").fill("30");
    await page.getByRole("button", { name: "Make token" }).click();
    const secret = (await page.getByRole("status").getByLabel("New API token").textContent())!.trim();
    expect(secret).toMatch(/^aiseo_[A-Za-z0-9_-]{43}$/);
    expect((await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze()).violations).toEqual([]);

    // The token acts as its user; no browser cookie is involved.
    const api = await playwright.request.newContext({ baseURL });
    const me = await api.get("/api/v1/me", { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status()).toBe(200);
    expect((await me.json()).email).toBe(ADMIN_EMAIL);

    // Listed with its last use; revoking it stops it.
    await page.reload();
    await waitForHydration(page);
    const row = page.getByRole("table", { name: "Your API tokens" }).getByRole("row").filter({ hasText: name });
    await expect(row).toContainText("Active");
    await expect(row).not.toContainText("never");
    await row.getByRole("button", { name: `Revoke ${name}` }).click();
    await expect(row).toContainText("Revoked");
    const after = await api.get("/api/v1/me", { headers: { authorization: `Bearer ${secret}` } });
    expect(after.status()).toBe(401);
    expect(after.headers()["content-type"]).toBe("application/problem+json");
    await api.dispose();
  });

  test("the API reference page lists the routes and passes axe", async ({ page }) => {
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`${m.text()} ${m.location().url}`);
    });
    await page.goto("/api/v1/docs");
    await page.waitForLoadState("networkidle");
    await expect(page.getByRole("heading", { level: 1, name: "AI SEO Architects API" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "POST /api/v1/tasks", exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "OpenAPI 3.1 (JSON)" })).toHaveAttribute("href", "/api/v1/openapi.json");
    expect((await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze()).violations).toEqual([]);
    expect(errors, "every resource of the page loads (its icon included)").toEqual([]);
  });
});
