import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/helpers/fake-clock.js";
import { CachedCatalog } from "./ensure.js";
import { PROVIDER_ERRORS, ProviderError } from "./provider.js";

const settings = (clock: FakeClock) => ({ clock, ttlMs: 600_000, missReloadIntervalMs: 30_000 });
const lookup = (names: string[]) => (catalog: string[]) =>
  names.map((n) => {
    if (!catalog.includes(n)) throw new ProviderError("test", PROVIDER_ERRORS.INVALID_REQUEST, `unknown ${n}`);
    return n;
  });

describe("CachedCatalog", () => {
  it("serves many concurrent misses with one fresh read", async () => {
    const clock = new FakeClock();
    const catalog = ["a"];
    let loads = 0;
    const cache = new CachedCatalog(async () => (loads++, [...catalog]), settings(clock));
    await cache.get();
    catalog.push("b");
    clock.advance(30_000);
    const found = await Promise.all(Array.from({ length: 5 }, () => cache.resolve(lookup(["b"]))));
    expect(found).toEqual(Array.from({ length: 5 }, () => ["b"]));
    expect(loads).toBe(2);
  });

  it("reads again after a failed read instead of keeping the failure", async () => {
    const clock = new FakeClock();
    let fail = true;
    const cache = new CachedCatalog(async () => {
      if (fail) throw new ProviderError("test", PROVIDER_ERRORS.UNAVAILABLE, "down");
      return ["a"];
    }, settings(clock));
    await expect(cache.get()).rejects.toThrow(/down/);
    fail = false;
    await expect(cache.resolve(lookup(["a"]))).resolves.toEqual(["a"]);
  });

  it("passes errors other than an unknown name straight through, without a read", async () => {
    const clock = new FakeClock();
    let loads = 0;
    const cache = new CachedCatalog(async () => (loads++, ["a"]), settings(clock));
    clock.advance(60_000);
    await expect(
      cache.resolve(() => {
        throw new ProviderError("test", PROVIDER_ERRORS.CONFLICT, "other");
      }),
    ).rejects.toThrow(/other/);
    expect(loads).toBe(1);
  });
});
