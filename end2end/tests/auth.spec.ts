import { expect, test } from "@playwright/test";
import {
  ADMIN_EMAIL,
  ADMIN_NAME,
  ADMIN_PASSWORD,
  expectSignedIn,
  gotoHydrated,
  mainNav,
  newIsolatedPage,
  signOut,
  submitSignIn,
  waitForHydration,
} from "./helpers";

test.describe("sign-in and sign-out", () => {
  test("failed sign-in shows an error, then sign-in and sign-out work", async ({ page }) => {
    await gotoHydrated(page, "/login");

    // Wrong password: an alert, and we stay on /login.
    await submitSignIn(page, ADMIN_EMAIL, `${ADMIN_PASSWORD}-wrong`);
    await expect(page.getByRole("alert")).toContainText(/invalid email or password/i);
    await expect(page).toHaveURL(/\/login(\?|$)/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

    // Right password: the Dashboard, with the admin in the banner and the admin links in the navigation.
    await submitSignIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await expectSignedIn(page);
    await expect(page).toHaveURL((url) => url.pathname === "/");
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    const banner = page.getByRole("banner");
    await expect(banner).toContainText(ADMIN_NAME);
    await expect(banner).toContainText("Admin");
    // The tab's live stream is connected.
    await expect(banner.getByRole("status")).toHaveText(/Live/);
    const nav = mainNav(page);
    for (const name of ["Dashboard", "Account", "Users", "Activity log"]) {
      await expect(nav.getByRole("link", { name, exact: true })).toBeVisible();
    }

    // Sign out: back on /login, and the Dashboard is no longer reachable.
    await signOut(page);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login\?next=%2F$/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  });

  test("an unauthenticated visit is sent to sign-in and back afterwards", async ({ page }) => {
    await page.goto("/admin/users");
    await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fusers$/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

    await waitForHydration(page);
    await submitSignIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await expectSignedIn(page);
    await expect(page).toHaveURL((url) => url.pathname === "/admin/users");
    await expect(page.getByRole("heading", { name: "Users", exact: true })).toBeVisible();
  });

  test("sign-in works with JavaScript disabled", async ({ browser, baseURL }) => {
    const page = await newIsolatedPage(browser, baseURL, { javaScriptEnabled: false });
    try {
      // No hydration without JavaScript: the server-rendered form must work on its own.
      await page.goto("/login");
      await submitSignIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await expect(page).toHaveURL((url) => url.pathname === "/");
      await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
      await expect(page.getByRole("banner")).toContainText(ADMIN_NAME);
    } finally {
      await page.context().close();
    }
  });
});

test.describe("sign-in page on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("fits a 390 px wide screen", async ({ page }) => {
    await gotoHydrated(page, "/login");
    const controls = [
      page.getByLabel("Email", { exact: true }),
      page.getByLabel("Password", { exact: true }),
      page.getByRole("button", { name: "Sign in" }),
    ];
    for (const control of controls) {
      await expect(control).toBeVisible();
      const box = await control.boundingBox();
      expect(box, "control should have a layout box").not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    }
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth, "no horizontal scrolling").toBeLessThanOrEqual(390);
  });
});
