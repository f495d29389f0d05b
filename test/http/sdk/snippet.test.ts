/**
 * The website snippet (`/v1/sdk.js`): served small and cacheable to other sites, and consent-first
 * — run here against a fake window (document, localStorage, navigator, fetch) to prove it writes
 * no cookie, stores nothing and sends nothing before opt-in, then one beacon per event in the
 * shape `POST /v1/events` takes.
 */
import { describe, expect, it } from "vitest";
import { SDK_SOURCE } from "../../../src/http/sdk/snippet";
import { api } from "../../harness";

const KEY = "cb_site_abc123";

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

interface Fake {
  window: Record<string, unknown> & { cactubase?: any };
  storage: Map<string, string>;
  storageWrites: string[];
  cookieWrites: string[];
  beacons: Array<{ url: string; body: Blob }>;
  fetches: Array<{ url: string; init: RequestInit }>;
}

function fakeWindow(
  options: {
    key?: string | null;
    storage?: Map<string, string>;
    beaconOk?: boolean;
    noBeacon?: boolean;
    storageBlocked?: boolean;
  } = {},
): Fake {
  const storage = options.storage ?? new Map<string, string>();
  const storageWrites: string[] = [];
  const cookieWrites: string[] = [];
  const beacons: Fake["beacons"] = [];
  const fetches: Fake["fetches"] = [];
  const localStorage = {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => {
      storageWrites.push(`set ${k}`);
      storage.set(k, v);
    },
    removeItem: (k: string) => {
      storageWrites.push(`remove ${k}`);
      storage.delete(k);
    },
  };
  const document = {
    currentScript: {
      src: "https://api.cactubase.test/v1/sdk.js",
      getAttribute: (name: string) => (name === "data-key" ? (options.key === undefined ? KEY : options.key) : null),
    },
  };
  Object.defineProperty(document, "cookie", {
    get: () => "",
    set: (value: string) => cookieWrites.push(value),
  });
  const window: Fake["window"] = {
    document,
    location: {
      origin: "https://shop.example",
      pathname: "/mortgage/calculator",
      search: "?email=a%40b.ru",
      hash: "#top",
      href: "https://shop.example/mortgage/calculator?email=a%40b.ru#top",
    },
    crypto,
    navigator: options.noBeacon
      ? {}
      : {
          sendBeacon: (url: string, body: Blob) => {
            beacons.push({ url, body });
            return options.beaconOk ?? true;
          },
        },
    fetch: (url: string, init: RequestInit) => {
      fetches.push({ url, init });
      return Promise.resolve(new Response(null, { status: 200 }));
    },
  };
  Object.defineProperty(window, "localStorage", {
    get: () => {
      if (options.storageBlocked) throw new Error("SecurityError");
      return localStorage;
    },
  });
  new Function("window", SDK_SOURCE)(window);
  return { window, storage, storageWrites, cookieWrites, beacons, fetches };
}

async function sentEvents(fake: Fake) {
  return Promise.all(
    fake.beacons.map(async (b) => ({ url: b.url, type: b.body.type, body: JSON.parse(await b.body.text()) })),
  );
}

describe("GET /v1/sdk.js", () => {
  it("is served without a key, cacheable, loadable by other origins, and at most 3 KB gzipped", async () => {
    const res = await api("GET", "/v1/sdk.js", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.body).toBe(SDK_SOURCE);
    const size = await gzipSize(SDK_SOURCE);
    console.log(`sdk.js: ${SDK_SOURCE.length} bytes, ${size} bytes gzipped`);
    expect(size).toBeLessThanOrEqual(3 * 1024);
  });
});

describe("the snippet before consent", () => {
  it("writes no cookie, stores nothing and sends nothing", () => {
    const fake = fakeWindow();
    const api = fake.window.cactubase;
    expect(api.page()).toBe(false);
    expect(api.track("calculator_used", { service: "mortgage" })).toBe(false);
    expect(api.anonymousId()).toBeNull();
    expect(fake.beacons).toHaveLength(0);
    expect(fake.fetches).toHaveLength(0);
    expect(fake.storageWrites).toHaveLength(0);
    expect(fake.cookieWrites).toHaveLength(0);
  });

  it("stays silent when storage is blocked or the page forgot data-key", () => {
    const blocked = fakeWindow({ storageBlocked: true });
    expect(blocked.window.cactubase.consent(true)).toBe(false);
    expect(blocked.window.cactubase.page()).toBe(false);
    expect(blocked.beacons).toHaveLength(0);
    const keyless = fakeWindow({ key: null });
    keyless.window.cactubase.consent(true);
    expect(keyless.window.cactubase.page()).toBe(false);
    expect(keyless.beacons).toHaveLength(0);
  });
});

describe("the snippet after consent", () => {
  it("keeps a random id in localStorage and sends one beacon per event, in the /v1/events shape", async () => {
    const fake = fakeWindow();
    const api = fake.window.cactubase;
    expect(api.consent(true)).toBe(true);
    const id = api.anonymousId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(fake.storage.get("cactubase_id")).toBe(id);
    // The opt-in sends the current page view.
    expect(fake.beacons).toHaveLength(1);
    expect(api.track("calculator_used", { service: "mortgage" })).toBe(true);
    expect(api.page()).toBe(true);
    expect(fake.beacons).toHaveLength(3);
    expect(fake.cookieWrites).toHaveLength(0);

    const events = await sentEvents(fake);
    for (const sent of events) {
      expect(sent.url).toBe(`https://api.cactubase.test/v1/events?key=${KEY}`);
      expect(sent.type).toBe("text/plain");
      expect(sent.body.batch).toHaveLength(1);
      const event = sent.body.batch[0];
      expect(event.anonymous_id).toBe(id);
      expect(event.message_id).toMatch(/^[0-9a-f]{32}$/);
      expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
      expect(event.context).toEqual({
        consent: { analytics: true },
        page: { url: "https://shop.example/mortgage/calculator" },
      });
    }
    expect(events.map((e) => e.body.batch[0].type)).toEqual(["page", "track", "page"]);
    expect(events[1].body.batch[0]).toMatchObject({ event: "calculator_used", properties: { service: "mortgage" } });
    expect(new Set(events.map((e) => e.body.batch[0].message_id)).size).toBe(3);
    // Nothing of the query or fragment leaves the browser.
    expect(JSON.stringify(events)).not.toContain("email");
  });

  it("on a later page with the consent stored sends the page view by itself, with the same id", async () => {
    const first = fakeWindow();
    first.window.cactubase.consent(true);
    const id = first.window.cactubase.anonymousId();
    const next = fakeWindow({ storage: first.storage });
    expect(next.beacons).toHaveLength(1);
    expect(next.storageWrites).toHaveLength(0);
    expect((await sentEvents(next))[0].body.batch[0].anonymous_id).toBe(id);
    // Consenting again changes nothing and sends no second page view.
    next.window.cactubase.consent(true);
    expect(next.beacons).toHaveLength(1);
  });

  it("forgets the id and stops on consent(false)", () => {
    const fake = fakeWindow();
    fake.window.cactubase.consent(true);
    fake.window.cactubase.consent(false);
    expect(fake.storage.size).toBe(0);
    expect(fake.window.cactubase.page()).toBe(false);
    expect(fake.window.cactubase.anonymousId()).toBeNull();
    expect(fake.beacons).toHaveLength(1);
  });

  it("falls back to fetch with keepalive and no credentials when the beacon is refused or missing", () => {
    for (const options of [{ beaconOk: false }, { noBeacon: true }]) {
      const fake = fakeWindow(options);
      fake.window.cactubase.consent(true);
      expect(fake.fetches).toHaveLength(1);
      const { url, init } = fake.fetches[0];
      expect(url).toBe(`https://api.cactubase.test/v1/events?key=${KEY}`);
      expect(init).toMatchObject({ method: "POST", keepalive: true, credentials: "omit" });
      expect(JSON.parse(String(init.body)).batch[0].type).toBe("page");
    }
  });
});
