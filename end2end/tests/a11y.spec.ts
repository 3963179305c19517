import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { gotoHydrated, signInAsAdmin } from "./helpers";

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

  const signedInPages: Array<{ path: string; heading: string }> = [
    { path: "/", heading: "Dashboard" },
    { path: "/account", heading: "Your account" },
    { path: "/admin/users", heading: "Users" },
    { path: "/admin/users/new", heading: "New user" },
    { path: "/admin/audit", heading: "Audit trail" },
  ];

  for (const { path, heading } of signedInPages) {
    test(`${path} (admin)`, async ({ page }) => {
      await signInAsAdmin(page);
      await gotoHydrated(page, path);
      await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
      await expectNoAxeViolations(page);
    });
  }
});
