import { expect, test } from "@playwright/test";
import {
  ADMIN_EMAIL,
  createUser,
  gotoHydrated,
  mainNav,
  newIsolatedPage,
  newUserData,
  openUserPage,
  signIn,
  signInAsAdmin,
  signOut,
  submitNewUserForm,
} from "./helpers";

test.describe("user administration", () => {
  test("admin creates a staff user who can sign in but not administer users", async ({ page }) => {
    const staff = newUserData("Staff", "staff");

    await signInAsAdmin(page);
    await createUser(page, staff);

    // The new user is listed, and the creation is in the activity log.
    await gotoHydrated(page, "/admin/users");
    await expect(page.getByRole("table").getByRole("link", { name: staff.name, exact: true })).toBeVisible();
    await gotoHydrated(page, "/admin/activity");
    await expect(page.getByRole("heading", { name: "Activity log" })).toBeVisible();
    await expect(page.getByRole("table")).toContainText("user.created");

    await signOut(page);

    // The staff user signs in: name and role in the banner, no admin links.
    await signIn(page, staff.email, staff.password);
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    const banner = page.getByRole("banner");
    await expect(banner).toContainText(staff.name);
    await expect(banner).toContainText("Staff");
    const nav = mainNav(page);
    await expect(nav.getByRole("link", { name: "Dashboard", exact: true })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Account", exact: true })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Users", exact: true })).toHaveCount(0);
    await expect(nav.getByRole("link", { name: "Activity log", exact: true })).toHaveCount(0);

    // Forbidden, with a real 403.
    const response = await page.goto("/admin/users");
    expect(response, "navigation should produce a response").not.toBeNull();
    expect(response!.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "Access denied" })).toBeVisible();
  });

  test("admin creates a user with a generated password that works", async ({ page }) => {
    const user = { ...newUserData("Account manager", "generated"), password: "" };

    await signInAsAdmin(page);
    const generated = await createUser(page, user);
    expect(generated).not.toBe("");
    await signOut(page);

    await signIn(page, user.email, generated);
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    const banner = page.getByRole("banner");
    await expect(banner).toContainText(user.name);
    await expect(banner).toContainText("Account manager");
  });

  test("a duplicate email is refused with a field error", async ({ page }) => {
    const duplicate = { ...newUserData("Staff", "duplicate"), email: ADMIN_EMAIL };

    await signInAsAdmin(page);
    await gotoHydrated(page, "/admin/users/new");
    await submitNewUserForm(page, duplicate);

    const email = page.getByLabel("Email", { exact: true });
    await expect(email).toHaveAccessibleDescription(/a user with this email already exists/i);
    await expect(page.getByText(/a user with this email already exists/i)).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "User created" })).toHaveCount(0);
    await expect(page.getByRole("heading", { name: "New user" })).toBeVisible();
  });

  test("a deactivated user is signed out on their next request", async ({ page, browser, baseURL }) => {
    const userB = newUserData("Staff", "deactivated");

    // Context 1: the admin creates B.
    await signInAsAdmin(page);
    await createUser(page, userB);

    // Context 2: B signs in.
    const pageB = await newIsolatedPage(browser, baseURL);
    try {
      await signIn(pageB, userB.email, userB.password);
      await expect(pageB.getByRole("banner")).toContainText(userB.name);

      // Context 1: the admin deactivates B on B's page.
      page.on("dialog", (dialog) => void dialog.accept());
      await openUserPage(page, userB.name);
      await expect(page.getByText("Active", { exact: true }).first()).toBeVisible();
      await page.getByRole("button", { name: "Deactivate user" }).click();
      await expect(page.getByText("Inactive", { exact: true }).first()).toBeVisible();
      await expect(page.getByRole("button", { name: "Reactivate user" })).toBeVisible();

      // The Status filter now lists B among the inactive users.
      await gotoHydrated(page, "/admin/users");
      await page.getByLabel("Status", { exact: true }).selectOption({ label: "Inactive" });
      await page.getByRole("button", { name: "Filter" }).click();
      await expect(page.getByRole("table").getByRole("link", { name: userB.name, exact: true })).toBeVisible();

      // Context 2: B's next request ends on the sign-in page.
      await pageB.reload();
      await expect(pageB).toHaveURL(/\/login(\?|$)/);
      await expect(pageB.getByRole("heading", { name: "Sign in" })).toBeVisible();
    } finally {
      await pageB.context().close();
    }
  });
});

test.describe("own account", () => {
  test("a user changes their password and signs in with the new one", async ({ page }) => {
    const user = newUserData("Staff", "account");
    const newPassword = `${user.password}-changed`;

    await signInAsAdmin(page);
    await createUser(page, user);
    await signOut(page);

    await signIn(page, user.email, user.password);
    await gotoHydrated(page, "/account");
    await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
    await page.getByLabel("Current password", { exact: true }).fill(user.password);
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("Confirm new password", { exact: true }).fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Password changed" })).toBeVisible();
    await signOut(page);

    await signIn(page, user.email, newPassword);
    await expect(page.getByRole("banner")).toContainText(user.name);
  });
});
