import { expect, type Browser, type BrowserContextOptions, type Locator, type Page, type Response } from "@playwright/test";

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

// ---------------------------------------------------------------------------------------------------------------
// Clients and campaigns
// ---------------------------------------------------------------------------------------------------------------

/** A lower-case, URL-safe form of a uniqueSuffix() (for domains). */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/** Posts a form to a server function (with the page's cookies) and returns its JSON answer; fails the test on an error. */
export async function apiPost<T>(page: Page, endpoint: string, form: Record<string, string>): Promise<T> {
  const response = await page.request.post(`/api/${endpoint}`, { form, headers: { accept: "application/json" } });
  const body = await response.text();
  expect(response.ok(), `POST /api/${endpoint} answered ${response.status()}: ${body}`).toBe(true);
  return JSON.parse(body) as T;
}

/** The client fields as the server function takes them (all strings, empty where optional). */
export interface ClientFields {
  company_name: string;
  website: string;
  /** An industry id: "saas", "ecommerce", "finance", "local_services", "other", ... */
  industry: string;
  /** ISO 3166-1 code, e.g. "DE". */
  country: string;
  annual_revenue: string;
  employee_count: string;
  /** "prospect", "qualified", "proposal", "negotiation", "won", "lost", "churned". */
  stage: string;
  monthly_value: string;
  competitor_domains: string;
  contact_name: string;
  contact_email: string;
  contact_phone: string;
  lead_budget: string;
  lead_timeline: string;
  lead_decision_maker_role: string;
  lead_pain_points: string;
  lead_source: string;
  notes: string;
}

/** A fresh, valid client; the company name and website are unique per call. */
export function newClientFields(label = "client", overrides: Partial<ClientFields> = {}): ClientFields {
  const suffix = uniqueSuffix();
  return {
    company_name: `E2E ${label} ${suffix}`,
    website: `https://e2e-${slug(label)}-${slug(suffix)}.example.com`,
    industry: "saas",
    country: "DE",
    annual_revenue: "1200000",
    employee_count: "40",
    stage: "prospect",
    monthly_value: "2500",
    competitor_domains: "",
    contact_name: "",
    contact_email: "",
    contact_phone: "",
    lead_budget: "",
    lead_timeline: "",
    lead_decision_maker_role: "",
    lead_pain_points: "",
    lead_source: "",
    notes: "",
    ...overrides,
  };
}

/** What /api/clients/create and /api/campaigns/create answer (the fields the tests use). */
export interface ApiClient {
  id: string;
  company_name: string;
  domain: string;
}

export interface ApiCampaign {
  id: string;
  client_id: string;
  name: string;
  status: string;
}

/** Setup only: creates a client through the server function, optionally assigned to an account manager (user id). */
export async function createClientViaApi(page: Page, fields: ClientFields, accountManagerId = ""): Promise<ApiClient> {
  const form: Record<string, string> = { account_manager: accountManagerId };
  for (const [key, value] of Object.entries(fields)) {
    form[`input[${key}]`] = value;
  }
  const client = await apiPost<ApiClient>(page, "clients/create", form);
  expect(client.id, "created client should have an id").toBeTruthy();
  return client;
}

/** Agent ids of the default campaign team (sent explicitly, so the request doesn't depend on a serde default). */
export const DEFAULT_AGENT_IDS = [
  "technical_seo_auditor",
  "content_strategy",
  "competitive_analysis",
  "link_building",
  "reporting",
];

/** The default campaign team as the form labels its checkboxes. */
export const DEFAULT_AGENT_LABELS = [
  "Technical SEO auditor",
  "Content strategy",
  "Competitive analysis",
  "Link building",
  "Reporting",
];

export interface CampaignFields {
  name: string;
  /** "technical_audit", "content", "link_building", "local", "full_seo". */
  kind: string;
  /** YYYY-MM-DD */
  start_date: string;
  end_date: string;
  budget: string;
  objectives: string;
}

/** Setup only: creates a draft campaign for a client through the server function. */
export async function createCampaignViaApi(
  page: Page,
  clientId: string,
  fields: Partial<CampaignFields> = {},
): Promise<ApiCampaign> {
  const all: CampaignFields = {
    name: `E2E campaign ${uniqueSuffix()}`,
    kind: "full_seo",
    start_date: "2030-01-01",
    end_date: "",
    budget: "3000",
    objectives: "",
    ...fields,
  };
  const form: Record<string, string> = { client_id: clientId };
  for (const [key, value] of Object.entries(all)) {
    form[`input[${key}]`] = value;
  }
  DEFAULT_AGENT_IDS.forEach((agent, index) => {
    form[`input[agents][${index}]`] = agent;
  });
  const campaign = await apiPost<ApiCampaign>(page, "campaigns/create", form);
  expect(campaign.id, "created campaign should have an id").toBeTruthy();
  return campaign;
}

/** As a signed-in admin: the id of the user with this email (through /api/users/list). */
export async function userIdByEmail(page: Page, email: string): Promise<string> {
  const users = await apiPost<Array<{ id: string; email: string }>>(page, "users/list", { role: "", status: "" });
  const user = users.find((u) => u.email.toLowerCase() === email.toLowerCase());
  expect(user, `user ${email} should be listed`).toBeDefined();
  return user!.id;
}

/** The label of a <select>'s chosen option. */
export async function selectedOptionLabel(select: Locator): Promise<string> {
  return select.evaluate((el) => {
    const option = (el as HTMLSelectElement).selectedOptions[0];
    return option ? (option.textContent ?? "").trim() : "";
  });
}

/** The values the new-client form takes, by what its controls show (select values are option labels). */
export interface ClientFormData {
  companyName: string;
  website: string;
  industry?: string;
  country?: string;
  annualRevenue?: string;
  employees?: string;
  stage?: string;
  monthlyValue?: string;
  contactName?: string;
  contactEmail?: string;
  notes?: string;
  accountManager?: string;
}

/** A fresh client for the form; the company name is unique per call. */
export function newClientFormData(label = "client"): ClientFormData {
  const suffix = uniqueSuffix();
  return {
    companyName: `E2E ${label} ${suffix}`,
    website: `https://e2e-${slug(label)}-${slug(suffix)}.example.com`,
    industry: "SaaS and software",
    country: "Germany",
    annualRevenue: "2500000",
    employees: "55",
    stage: "Prospect",
    monthlyValue: "4000",
    contactName: "Erika Mustermann",
    contactEmail: `erika-${slug(suffix)}@example.com`,
    notes: "Created by the end-to-end tests.",
  };
}

/** Fills the client form (/clients/new or /clients/<id>/edit, already open); leaves unspecified controls alone. */
export async function fillClientForm(page: Page, data: ClientFormData): Promise<void> {
  await page.getByLabel("Company name", { exact: true }).fill(data.companyName);
  await page.getByLabel("Website", { exact: true }).fill(data.website);
  const selects: Array<[string, string | undefined]> = [
    ["Industry", data.industry],
    ["Country", data.country],
    ["Pipeline stage", data.stage],
    ["Account manager", data.accountManager],
  ];
  for (const [label, value] of selects) {
    if (value !== undefined) {
      await page.getByLabel(label, { exact: true }).selectOption({ label: value });
    }
  }
  const inputs: Array<[string, string | undefined]> = [
    ["Annual revenue", data.annualRevenue],
    ["Employees", data.employees],
    ["Monthly value", data.monthlyValue],
    ["Contact name", data.contactName],
    ["Contact email", data.contactEmail],
    ["Notes", data.notes],
  ];
  for (const [label, value] of inputs) {
    if (value !== undefined) {
      await page.getByLabel(label, { exact: true }).fill(value);
    }
  }
}

/** The clients table on /clients (caption "Clients"). */
export function clientsTable(page: Page): Locator {
  return page.getByRole("table", { name: "Clients" });
}

/** The "Showing 1–25 of 300 clients" line on /clients. */
export function clientsCount(page: Page): Locator {
  return page.getByRole("status").filter({ hasText: /\bclients?\b/i });
}

/** On /clients (already open): searches for `text`, optionally with an industry label, and applies the filters. */
export async function searchClients(page: Page, text: string, industry?: string): Promise<void> {
  await expect(page.getByRole("heading", { name: "Clients", exact: true })).toBeVisible();
  await page.getByLabel("Search", { exact: true }).fill(text);
  if (industry !== undefined) {
    await page.getByLabel("Industry", { exact: true }).selectOption({ label: industry });
  }
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/clients" && url.searchParams.get("q") === text);
  await waitForHydration(page);
}

/** Every status move a campaign page may offer. */
export const CAMPAIGN_MOVES = ["Start", "Pause", "Complete", "Cancel campaign", "Back to draft"] as const;
export type CampaignMove = (typeof CAMPAIGN_MOVES)[number];

/** On a campaign page: the status line reads "Status: <label>". */
export async function expectCampaignStatus(page: Page, label: string): Promise<void> {
  await expect(page.getByRole("status").filter({ hasText: `Status: ${label}` })).toBeVisible();
}

/** On a campaign page: exactly the `allowed` move buttons are offered. */
export async function expectCampaignMoves(page: Page, allowed: CampaignMove[]): Promise<void> {
  for (const move of CAMPAIGN_MOVES) {
    const button = page.getByRole("button", { name: move, exact: true });
    if (allowed.includes(move)) {
      await expect(button, `"${move}" should be offered`).toBeVisible();
    } else {
      await expect(button, `"${move}" should not be offered`).toHaveCount(0);
    }
  }
}

/** On a campaign page: clicks a move button and waits for the new status. */
export async function moveCampaign(page: Page, move: CampaignMove, expectedStatus: string): Promise<void> {
  await page.getByRole("button", { name: move, exact: true }).click();
  await expectCampaignStatus(page, expectedStatus);
}

/** Accepts every confirm() the page opens from now on (destructive buttons may ask first). */
export function acceptDialogs(page: Page): void {
  page.on("dialog", (dialog) => void dialog.accept());
}
