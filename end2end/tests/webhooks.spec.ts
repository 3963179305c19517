import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { createClientViaApi, gotoHydrated, newClientFields, signInAsAdmin, waitForHydration } from "./helpers";

interface Delivery {
  headers: Record<string, string>;
  body: string;
}

/** A local receiver on 127.0.0.1 (the e2e server's CRAWL_ALLOW covers it) that records what it gets. */
async function startReceiver(): Promise<{ url: string; got: Delivery[]; close: () => Promise<void> }> {
  const got: Delivery[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
      got.push({ headers, body });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("thanks");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    got,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test.describe("webhooks", () => {
  test("an admin adds an endpoint; deliveries verify with the Standard Webhooks library", async ({ page }) => {
    const receiver = await startReceiver();
    try {
      await signInAsAdmin(page);
      await gotoHydrated(page, "/admin/webhooks");
      await expect(page.getByRole("heading", { name: "Webhooks", exact: true })).toBeVisible();
      expect((await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze()).violations).toEqual([]);
      await page.getByRole("link", { name: "New endpoint" }).click();
      await expect(page.getByRole("heading", { name: "New webhook endpoint" })).toBeVisible();

      // A private address is refused, next to the field.
      await page.getByLabel("URL", { exact: true }).fill("https://10.0.0.1/hooks");
      await page.getByRole("checkbox", { name: /^client\.created/ }).check();
      await page.getByRole("button", { name: "Add endpoint" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "private" })).toBeVisible();

      await page.getByLabel("URL", { exact: true }).fill(receiver.url);
      await page.getByLabel("Description").fill("E2E receiver");
      await page.getByRole("button", { name: "Add endpoint" }).click();
      const secret = (await page.getByRole("status").getByLabel("Signing secret").textContent())!.trim();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
      expect((await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze()).violations).toEqual([]);
      await page.getByRole("link", { name: "Open the endpoint's page" }).click();
      await expect(page.getByRole("heading", { name: "Webhook endpoint" })).toBeVisible();

      // A subscribed event arrives, signed: the published library verifies it.
      const client = await createClientViaApi(page, newClientFields("webhook"));
      // Other tests add clients too: find this one's delivery.
      const mine = () => receiver.got.find((d) => d.body.includes(client.id));
      await expect.poll(() => mine() !== undefined, { timeout: 20_000 }).toBe(true);
      const delivery = mine()!;
      const wh = new Webhook(secret);
      const first = wh.verify(delivery.body, delivery.headers) as {
        type: string;
        data: { target: { id: string }; detail: { company_name: string } };
      };
      expect(first.type).toBe("client.created");
      expect(first.data.target.id).toBe(client.id);
      expect(first.data.detail.company_name).toBe(client.company_name);
      // A changed body does not verify.
      expect(() => wh.verify(delivery.body.replace("client.created", "client.deleted"), delivery.headers)).toThrow();

      // "Send test event": a webhook.test message, logged on the page.
      await waitForHydration(page);
      await page.getByRole("button", { name: "Send test event" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Test event queued as msg_" })).toBeVisible();
      const tested = () => receiver.got.find((d) => d.body.includes("webhook.test"));
      await expect.poll(() => tested() !== undefined, { timeout: 20_000 }).toBe(true);
      const test = wh.verify(tested()!.body, tested()!.headers) as { type: string };
      expect(test.type).toBe("webhook.test");
      await page.getByRole("button", { name: "Refresh the delivery log" }).click();
      const attempts = page.getByRole("table", { name: "Attempts, newest first" });
      await expect(attempts.getByRole("row").filter({ hasText: "webhook.test" })).toContainText("HTTP 200");
      await expect(attempts.getByRole("row").filter({ hasText: "client.created" }).first()).toContainText("thanks");
      await expect(page.getByRole("button", { name: /^Redeliver msg_/ }).first()).toBeVisible();
      expect((await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze()).violations).toEqual([]);

      // The list shows it; deleting it takes it away.
      await gotoHydrated(page, "/admin/webhooks");
      await page.getByRole("table").getByRole("link", { name: receiver.url }).click();
      await waitForHydration(page);
      await page.getByRole("button", { name: "Delete this endpoint" }).click();
      await expect(page).toHaveURL(/\/admin\/webhooks$/);
      await expect(page.getByRole("link", { name: receiver.url })).toHaveCount(0);
    } finally {
      await receiver.close();
    }
  });
});
