import type { Json } from "../values.js";

/** A resource as SCIM JSON, and the same serialised as UTF-8 (what goes on the wire). */
export interface Rendered {
  obj: Json;
  json: Buffer;
}

export const rendered = (obj: Json): Rendered => ({ obj, json: Buffer.from(JSON.stringify(obj)) });

/** Everything a rendering depends on besides the record's id. */
export interface RenderStamp {
  /** Tenant and external base URL: the same for every resource a request renders. */
  scope: string;
  version: string;
  /** The names of the user's groups, joined. */
  groups: string;
}

interface Entry extends Rendered, RenderStamp {}

/** What a tenant's list renderings were made from; any change makes them all stale at once. */
interface ListSlots {
  records: readonly unknown[];
  scope: string;
  revision: number;
  slots: (Rendered | undefined)[];
}

/**
 * Rendered users and their JSON, keyed by id and checked against everything the rendering depends
 * on. Reads are most of the IdPs' traffic (Okta's imports page through every user), and
 * re-serialising unchanged users dominated their cost. A list page looks up every user on it, so a
 * lookup builds no strings: the id is the record's own, and the stamp is compared field by field
 * (ids are UUIDs; the scope keeps tenants apart all the same). Bounded: past `max` entries the
 * oldest go first.
 */
export class RenderCache {
  readonly #entries = new Map<string, Entry>();
  readonly #lists = new Map<string, ListSlots>();

  constructor(private readonly max: number) {}

  get(id: string, stamp: RenderStamp, render: () => Json): Rendered {
    const hit = this.#entries.get(id);
    if (hit && hit.version === stamp.version && hit.scope === stamp.scope && hit.groups === stamp.groups) return hit;
    const entry: Entry = { ...rendered(render()), ...stamp };
    if (hit) this.#entries.delete(id);
    this.#entries.set(id, entry);
    if (this.#entries.size > this.max) {
      for (const oldest of this.#entries.keys()) {
        this.#entries.delete(oldest);
        if (this.#entries.size <= this.max * 0.9) break;
      }
    }
    return entry;
  }

  /**
   * The renderings of a tenant's whole user list, by position, to be filled through get(). A page of
   * an unchanged list then costs one array read per user instead of a map lookup and a stamp check
   * each, which dominated serving repeated pages (memory traffic, not computation). Valid while the
   * store hands out the same list array (it builds a new one on any user change), for the same scope,
   * and at the same store revision (group names). Lists longer than the bound are not kept, so this
   * never holds more renderings alive than the cache itself would.
   */
  listSlots(tenant: string, records: readonly unknown[], scope: string, revision: number): (Rendered | undefined)[] | undefined {
    if (records.length > this.max) {
      this.#lists.delete(tenant);
      return undefined;
    }
    const hit = this.#lists.get(tenant);
    if (hit && hit.records === records && hit.scope === scope && hit.revision === revision) return hit.slots;
    const fresh: ListSlots = { records, scope, revision, slots: new Array<Rendered | undefined>(records.length) };
    this.#lists.set(tenant, fresh);
    return fresh.slots;
  }
}
