import { describe, expect, it } from "vitest";
import { listResponseJson } from "../query.js";
import { RenderCache } from "./render-cache.js";

describe("RenderCache", () => {
  const stamp = { scope: "https://idp.example/scim/v2/ns/acme", version: "1", groups: "" };

  it("reuses a rendering only while scope, version and group names are unchanged", () => {
    const cache = new RenderCache(10);
    let renders = 0;
    const get = (s: typeof stamp) => cache.get("u1", s, () => ({ id: "u1", n: ++renders }));
    const first = get(stamp);
    expect(get({ ...stamp })).toBe(first);
    expect(get({ ...stamp, version: "2" }).obj).toEqual({ id: "u1", n: 2 });
    expect(get({ ...stamp, version: "2", groups: "admins" }).obj).toEqual({ id: "u1", n: 3 });
    expect(get({ ...stamp, version: "2", groups: "admins", scope: "https://idp.example/scim/v2/ns/other" }).obj).toEqual({ id: "u1", n: 4 });
    expect(JSON.parse(get({ ...stamp, version: "2", groups: "admins", scope: "https://idp.example/scim/v2/ns/other" }).json.toString())).toEqual({ id: "u1", n: 4 });
  });

  it("drops the oldest entries past its bound", () => {
    const cache = new RenderCache(2);
    let renders = 0;
    const get = (id: string) => cache.get(id, stamp, () => ({ id, n: ++renders }));
    get("a");
    get("b");
    get("c");
    expect(get("c").obj).toEqual({ id: "c", n: 3 });
    expect(get("a").obj).toEqual({ id: "a", n: 4 });
  });
});

describe("RenderCache.listSlots", () => {
  const scope = "https://idp.example/scim/v2/ns/acme";

  it("keeps a list's renderings while the list, the scope and the revision stay the same", () => {
    const cache = new RenderCache(10);
    const records = [{ id: "a" }, { id: "b" }];
    const slots = cache.listSlots("ns/acme", records, scope, 1)!;
    slots[0] = { obj: { id: "a" }, json: Buffer.from("{}") };
    expect(cache.listSlots("ns/acme", records, scope, 1)).toBe(slots);
    expect(cache.listSlots("ns/acme", records, scope, 1)![0]).toBe(slots[0]);
    // Any of the three changing starts from empty slots.
    expect(cache.listSlots("ns/acme", [...records], scope, 1)![0]).toBeUndefined();
    slots[0] = { obj: { id: "a" }, json: Buffer.from("{}") };
    expect(cache.listSlots("ns/acme", records, `${scope}x`, 1)![0]).toBeUndefined();
    expect(cache.listSlots("ns/acme", records, scope, 2)![0]).toBeUndefined();
    expect(cache.listSlots("ns/other", records, scope, 2)).not.toBe(cache.listSlots("ns/acme", records, scope, 2));
  });

  it("keeps no slots for a list longer than its bound", () => {
    const cache = new RenderCache(2);
    expect(cache.listSlots("ns/acme", [1, 2], scope, 1)).toHaveLength(2);
    expect(cache.listSlots("ns/acme", [1, 2, 3], scope, 1)).toBeUndefined();
  });
});

describe("listResponseJson", () => {
  it("assembles ListResponses that later pages (past one 1 MB slab) do not overwrite", () => {
    const items = (n: number, tag: string) => Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ id: `${tag}${i}`, name: "ü".repeat(i) })));
    const pages = Array.from({ length: 100 }, (_, p) => ({ p, body: listResponseJson(items(100, `p${p}-`), 10000, 1 + p * 100) }));
    for (const { p, body } of pages) {
      const parsed = JSON.parse(body.toString("utf8")) as { totalResults: number; startIndex: number; itemsPerPage: number; Resources: { id: string; name: string }[] };
      expect(parsed).toMatchObject({ totalResults: 10000, startIndex: 1 + p * 100, itemsPerPage: 100 });
      expect(parsed.Resources.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => `p${p}-${i}`));
      expect(parsed.Resources[99]!.name).toBe("ü".repeat(99));
    }
    expect(JSON.parse(listResponseJson([], 0, 1).toString())).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });
});
