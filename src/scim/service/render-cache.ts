import type { Json } from "../values.js";

/** A resource as SCIM JSON, and the same serialised as UTF-8 (what goes on the wire). */
export interface Rendered {
  obj: Json;
  json: Buffer;
}

export const rendered = (obj: Json): Rendered => ({ obj, json: Buffer.from(JSON.stringify(obj)) });

/**
 * Rendered users and their JSON, keyed by everything the rendering depends on (resourceVersion,
 * external base URL, the names of the user's groups). Reads are most of the IdPs' traffic (Okta's
 * imports page through every user), and re-serialising unchanged users dominated their cost.
 * Bounded: past `max` entries the oldest go first.
 */
export class RenderCache {
  readonly #entries = new Map<string, Rendered & { stamp: string }>();

  constructor(private readonly max: number) {}

  get(key: string, stamp: string, render: () => Json): Rendered {
    const hit = this.#entries.get(key);
    if (hit?.stamp === stamp) return hit;
    const entry = { ...rendered(render()), stamp };
    if (hit) this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.max) {
      for (const oldest of this.#entries.keys()) {
        this.#entries.delete(oldest);
        if (this.#entries.size <= this.max * 0.9) break;
      }
    }
    return entry;
  }
}
