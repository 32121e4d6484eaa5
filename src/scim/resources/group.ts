import { z } from "zod";
import { ScimGroupStatusSchema } from "../../api/v1alpha1/index.js";
import { GROUP_SCHEMA } from "../schema/attributes.js";
import { GROUP_TYPE } from "../schema/resource-types.js";
import { invalidValue } from "../scim-error.js";
import type { Json } from "../values.js";
import { normalizeResource } from "./normalize.js";
import { metaOf, type RenderContext } from "./user.js";

const GroupStateSchema = ScimGroupStatusSchema.shape.scim.unwrap();
export type ScimGroupState = z.infer<typeof GroupStateSchema>;

export interface GroupRecord {
  id: string;
  version: string;
  created: string;
  lastModified: string;
  state: ScimGroupState;
}

export interface GroupAttributes {
  displayName: string;
  externalId?: string;
  /** Member user ids, or undefined when the body did not mention members. */
  members?: string[];
}

/** `patched`: the body is a patched resource, so absent members mean "none" rather than "unchanged". */
export function groupAttributesFrom(body: Json, options: { patched?: boolean } = {}): GroupAttributes {
  const n = normalizeResource(body, GROUP_TYPE);
  const parsed = GroupStateSchema.pick({ displayName: true, externalId: true }).safeParse(n.core);
  if (typeof n.core.displayName !== "string" || n.core.displayName.trim() === "") throw invalidValue("displayName is required");
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidValue(`${issue.path.join(".") || "group"}: ${issue.message}`, parsed.error);
  }
  const out: GroupAttributes = { displayName: parsed.data.displayName };
  if (parsed.data.externalId !== undefined) out.externalId = parsed.data.externalId;
  const members = n.core.members as Json[] | undefined;
  const mentioned = Object.keys(body).some((k) => k.toLowerCase() === "members");
  if (members || mentioned || options.patched) out.members = memberIds(members ?? []);
  return out;
}

/** Member ids, deduplicated; members must be users (nested groups are not supported). */
export function memberIds(members: Json[]): string[] {
  const ids = new Set<string>();
  for (const m of members) {
    if (typeof m.type === "string" && m.type.toLowerCase() !== "user") {
      throw invalidValue(`member ${JSON.stringify(m.value)} has type ${JSON.stringify(m.type)}; only users can be members`);
    }
    if (typeof m.value !== "string" || m.value === "") throw invalidValue("every member needs a value (the user's id)");
    ids.add(m.value);
  }
  return [...ids];
}

export interface GroupRenderContext extends RenderContext {
  userName(id: string): string | undefined;
}

/** The group as SCIM JSON (RFC 7643 §4.2); `members` is omitted when the caller excluded it. */
export function renderGroup(record: GroupRecord, members: string[] | undefined, ctx: GroupRenderContext): Json {
  const out: Json = { schemas: [GROUP_SCHEMA], id: record.id, displayName: record.state.displayName };
  if (record.state.externalId !== undefined) out.externalId = record.state.externalId;
  if (members) {
    out.members = members.map((id) => ({
      value: id,
      display: ctx.userName(id),
      $ref: `${ctx.baseUrl}/Users/${id}`,
      type: "User",
    }));
  }
  out.meta = metaOf("Group", record, ctx.baseUrl);
  return out;
}
