import { expect, type Browser, type BrowserContextOptions, type Page, type Response } from "@playwright/test";

/** The bootstrap admin, as created by the script that starts the server. */
export const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL || "admin@aiseo.test";
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD || "admin-password-e2e";
/** The bootstrap admin's display name, shown in the banner. */
export const ADMIN_NAME = process.env.E2E_ADMIN_NAME || "E2E Admin";

export type RoleLabel = "Admin" | "Account manager" | "Staff";

let uniqueCounter = 0;

/** A string that differs between calls and between runs (Date.now() plus a per-run counter). */
export function uniqueSuffix(): string {
  uniqueCounter += 1;
  return `${Date.now()}-${uniqueCounter}`;
}

/** A fresh, valid user description; the email is unique per call. */
export function newUserData(role: RoleLabel, label = "user") {
  const suffix = uniqueSuffix();
  return {
    email: `e2e-${label}-${suffix}@aiseo.test`,
    name: `E2E ${label} ${suffix}`,
    role,
    password: `E2e-pass-${suffix}`,
  };
}

/** Waits until the app has hydrated the current document (it sets data-hydrated="true" on <body>). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: "attached" });
}

/** Navigates to `path` (relative to baseURL) and waits for hydration. Returns the main response. */
export async function gotoHydrated(page: Page, path: string): Promise<Response | null> {
  const response = await page.goto(path);
  await waitForHydration(page);
  return response;
}

/** A page in a new, empty browser context (own cookies), e.g. for a second user. */
export async function newIsolatedPage(
  browser: Browser,
  baseURL: string | undefined,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext({ baseURL, ...options });
  return context.newPage();
}

/** Fills and submits the sign-in form on the current /login page; asserts nothing about the outcome. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Waits for a successful sign-in to leave /login and for the signed-in page to be ready. */
export async function expectSignedIn(page: Page): Promise<void> {
  await expect(page).not.toHaveURL(/\/login(\?|$)/);
  await waitForHydration(page);
  await expect(page.getByRole("banner").getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** Signs in from the /login page and waits until the signed-in page (by default the Dashboard) is ready. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await gotoHydrated(page, "/login");
  await submitSignIn(page, email, password);
  await expectSignedIn(page);
}

export async function signInAsAdmin(page: Page): Promise<void> {
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
}

/** Clicks "Sign out" in the banner and waits for the /login page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
}

/** The main navigation landmark. */
export function mainNav(page: Page) {
  return page.getByRole("navigation", { name: "Main" });
}

export interface NewUserInput {
  email: string;
  name: string;
  role: RoleLabel;
  /** Empty string: let the server generate one. */
  password: string;
}

/** Fills and submits /admin/users/new (the page must already be open). */
export async function submitNewUserForm(page: Page, user: NewUserInput): Promise<void> {
  await expect(page.getByRole("heading", { name: "New user" })).toBeVisible();
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Name", { exact: true }).fill(user.name);
  await page.getByLabel("Role", { exact: true }).selectOption({ label: user.role });
  await page.getByLabel("Initial password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Create user" }).click();
}

/**
 * As a signed-in admin: creates a user through /admin/users/new and waits for "User created".
 * Returns the generated password when `password` was empty, otherwise the chosen one.
 */
export async function createUser(page: Page, user: NewUserInput): Promise<string> {
  await gotoHydrated(page, "/admin/users/new");
  await submitNewUserForm(page, user);
  await expect(page.getByRole("status").filter({ hasText: "User created" })).toBeVisible();
  if (user.password !== "") {
    return user.password;
  }
  const output = page.getByRole("status", { name: "Generated password" });
  await expect(output).toBeVisible();
  const generated = (await output.textContent())?.trim() ?? "";
  expect(generated.length, "generated password should be shown").toBeGreaterThanOrEqual(12);
  return generated;
}

/** As a signed-in admin: opens a user's page through the link in the /admin/users table. */
export async function openUserPage(page: Page, name: string): Promise<void> {
  await gotoHydrated(page, "/admin/users");
  await expect(page.getByRole("heading", { name: "Users", exact: true })).toBeVisible();
  await page.getByRole("table").getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { name, exact: true })).toBeVisible();
  await waitForHydration(page);
}
