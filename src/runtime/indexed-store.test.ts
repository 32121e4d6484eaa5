import { describe, expect, it } from "vitest";
import { silentLogger } from "../observability/logger.js";
import { IndexedStore } from "./indexed-store.js";
import type { KubeObject } from "./kube-client.js";

type Obj = KubeObject & { data?: { team?: string } };
const obj = (name: string, rv: string, team?: string): Obj => ({ metadata: { namespace: "ns", name, resourceVersion: rv }, data: { team } });

describe("IndexedStore", () => {
  it("keeps indexes in step with updates and removals", () => {
    const store = new IndexedStore<Obj>("test", silentLogger());
    store.addIndex("team", (o) => (o.data?.team ? [o.data.team] : []));
    store.upsert(obj("a", "1", "red"));
    store.upsert(obj("b", "2", "red"));
    expect(store.byIndex("team", "red").map((o) => o.metadata?.name)).toEqual(["a", "b"]);
    store.upsert(obj("a", "3", "blue"));
    expect(store.byIndex("team", "red").map((o) => o.metadata?.name)).toEqual(["b"]);
    expect(store.byIndex("team", "blue").map((o) => o.metadata?.name)).toEqual(["a"]);
    store.remove("ns/b");
    expect(store.byIndex("team", "red")).toEqual([]);
    expect(() => store.byIndex("nope", "x")).toThrow(/no index named nope/);
    expect(() => store.addIndex("team", () => [])).toThrow(/exists already/);
  });

  it("never replaces a newer copy with an older or equal one", () => {
    const store = new IndexedStore<Obj>("test", silentLogger());
    expect(store.upsert(obj("a", "10", "red")).stored).toBe(true);
    expect(store.upsert(obj("a", "9", "blue"))).toMatchObject({ stored: false });
    expect(store.upsert(obj("a", "10", "blue"))).toMatchObject({ stored: false });
    expect(store.get("ns/a")?.data?.team).toBe("red");
    // A deletion older than the cached copy (recreated since) is ignored; a newer one removes it.
    expect(store.removeIfNotNewer(obj("a", "8"))).toBeUndefined();
    expect(store.get("ns/a")).toBeDefined();
    expect(store.removeIfNotNewer(obj("a", "11"))?.data?.team).toBe("red");
    expect(store.size).toBe(0);
  });

  it("stores an object whose index function throws, just without indexing it", () => {
    const store = new IndexedStore<Obj>("test", silentLogger());
    store.addIndex("boom", (o) => {
      if (o.metadata?.name === "bad") throw new Error("no team");
      return ["ok"];
    });
    store.upsert(obj("bad", "1"));
    store.upsert(obj("good", "2"));
    expect(store.get("ns/bad")).toBeDefined();
    expect(store.byIndex("boom", "ok").map((o) => o.metadata?.name)).toEqual(["good"]);
    store.remove("ns/bad");
    expect(store.size).toBe(1);
  });
});
