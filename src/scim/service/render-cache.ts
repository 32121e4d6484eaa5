import type { Json } from "../values.js";

export interface Rendered {
  obj: Json;
  json: string;
}

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
    const obj = render();
    const entry = { obj, json: JSON.stringify(obj), stamp };
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
