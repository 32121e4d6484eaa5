import { describe, expect, it } from "vitest";
import { silentLogger } from "../observability/logger.js";
import { createRegistry } from "../observability/metrics.js";
import { TenantAuth } from "./auth.js";
import { defaultScimConfig } from "./config.js";
import { createScimMetrics } from "./metrics.js";
import type { ScimStore, Tenant } from "./store/store.js";

const tenant: Tenant = { ref: { namespace: "ns", name: "acme" }, uid: "u1", tokenSecretRefs: [{ name: "tokens", key: "a" }, { name: "tokens", key: "b" }] };

/** A store that only knows the Secret, counting reads. */
function secretStore(data: Record<string, string>) {
  let reads = 0;
  let listener: (ref: Tenant["ref"]) => void = () => {};
  const store = {
    readSecretKey: async (_ns: string, ref: { key: string }) => {
      reads++;
      return data[ref.key];
    },
    onTenantChange: (fn: (ref: Tenant["ref"]) => void) => {
      listener = fn;
    },
  } as unknown as ScimStore;
  return { store, reads: () => reads, changed: () => listener(tenant.ref) };
}

function setup(data: Record<string, string>, overrides = {}) {
  let now = 1_000_000;
  const s = secretStore(data);
  const auth = new TenantAuth(s.store, defaultScimConfig(overrides), createScimMetrics(createRegistry({ defaultMetrics: false })), silentLogger(), () => now);
  return { auth, ...s, advance: (ms: number) => (now += ms) };
}

const status = (p: Promise<void>) => p.then(() => 200, (e: { status: number }) => e.status);

describe("TenantAuth", () => {
  it("accepts any configured token and caches the Secret", async () => {
    const t = setup({ a: "tok-a", b: "tok-b" });
    expect(await status(t.auth.authenticate(tenant, "Bearer tok-a"))).toBe(200);
    expect(await status(t.auth.authenticate(tenant, "bearer tok-b"))).toBe(200);
    expect(t.reads()).toBe(2); // one load, two keys
  });

  it("re-reads the Secret for an unknown token at most once per interval, so a rotated-in token works", async () => {
    const data: Record<string, string> = { a: "old" };
    const t = setup(data, { tokenRefreshMinIntervalMs: 1000 });
    await t.auth.authenticate(tenant, "Bearer old");
    data.b = "new";
    t.advance(1000);
    expect(await status(t.auth.authenticate(tenant, "Bearer new"))).toBe(200);
    const reads = t.reads();
    expect(await status(t.auth.authenticate(tenant, "Bearer nope"))).toBe(401);
    expect(await status(t.auth.authenticate(tenant, "Bearer nope2"))).toBe(401);
    expect(t.reads()).toBe(reads);
  });

  it("drops cached tokens when the tenant changes", async () => {
    const data: Record<string, string> = { a: "old" };
    const t = setup(data, { tokenRefreshMinIntervalMs: 60_000 });
    await t.auth.authenticate(tenant, "Bearer old");
    delete data.a;
    t.changed();
    expect(await status(t.auth.authenticate(tenant, "Bearer old"))).toBe(401);
  });

  it("throttles failures per window and lets the window expire", async () => {
    const t = setup({ a: "right" }, { authFailures: { max: 2, windowMs: 10_000 } });
    expect(await status(t.auth.authenticate(tenant, undefined))).toBe(401);
    expect(await status(t.auth.authenticate(tenant, "Basic abc"))).toBe(401);
    expect(await status(t.auth.authenticate(tenant, "Bearer wrong"))).toBe(429);
    expect(await status(t.auth.authenticate(tenant, "Bearer right"))).toBe(200);
    t.advance(10_000);
    expect(await status(t.auth.authenticate(tenant, "Bearer wrong"))).toBe(401);
  });

  it("never puts the presented token in an error message", async () => {
    const t = setup({ a: "right" });
    const err = await t.auth.authenticate(tenant, "Bearer super-secret-guess").catch((e: Error) => e);
    expect(String((err as Error).message)).not.toContain("super-secret-guess");
  });
});
