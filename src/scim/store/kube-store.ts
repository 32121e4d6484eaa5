import type { ScimUserState, SecretKeySelector } from "../../api/v1alpha1/index.js";
import type { Logger } from "../../observability/logger.js";
import type { GroupAttributes, GroupRecord, ScimGroupState } from "../resources/group.js";
import type { UserAttributes, UserRecord } from "../resources/user.js";
import { ScimError, invalidValue } from "../scim-error.js";
import { Claims } from "./claims.js";
import { GROUP_KIND, NamedObjects, USER_KIND, type Kind } from "./named-objects.js";
import { checkVersion, groupState, isGroupReplay, isReplay, now, precondition, throwNotFound, userState } from "./states.js";
import { corePath, isStatus, unavailable, type KubeObject, type KubeRequester, type ObjectCache } from "./kube-api.js";
import {
  GROUPS,
  MEMBER_INDEX,
  TENANT_INDEX,
  USERNAME_INDEX,
  USERS,
  byCreation,
  byGroup,
  byTenant,
  byUserName,
  groupRecord,
  isLive,
  tenantKey,
  tenantOf,
  userRecord,
  type GroupObject,
  type TenantObject,
  type UserObject,
} from "./records.js";
import type { CreateResult, ScimStore, Tenant, TenantRef } from "./store.js";
import { ObjectWriter, mapLimit } from "./writer.js";

export interface KubeStoreOptions {
  kube: KubeRequester;
  users: ObjectCache<UserObject>;
  groups: ObjectCache<GroupObject>;
  tenants: ObjectCache<TenantObject>;
  fieldManager: string;
  /** Membership writes in flight at once for one group change. */
  writeConcurrency: number;
  logger: Logger;
  /** Called after the caches stop, to release the connection. */
  close?: () => void;
  /** False when the caches are shared (a Manager starts and stops them): start() then only waits for sync. */
  ownsCaches?: boolean;
}


/**
 * ScimStore on the Kubernetes API: users are DigiCertUsers and groups ScimGroups named by their SCIM
 * id, with what the IdP said in status.scim; membership lives on the users (status.scim.groups) and
 * a group's members come from an index, so no object grows with the size of a group.
 */
export class KubeStore implements ScimStore {
  readonly #o: KubeStoreOptions;
  readonly #claims: Claims;
  readonly #writer: ObjectWriter;
  readonly #named: NamedObjects;
  /** Objects this replica deleted, until the watch confirms it: SCIM must see them gone at once. */
  readonly #deleted = new Map<string, string>();
  readonly #tenantListeners: ((ref: TenantRef) => void)[] = [];
  #userLists = new Map<string, UserRecord[]>();
  #revision = 0;

  constructor(options: KubeStoreOptions) {
    this.#o = options;
    this.#claims = new Claims(options.kube);
    this.#writer = new ObjectWriter(options.kube, options.fieldManager);
    this.#named = new NamedObjects(this.#claims, this.#writer, options.logger);
    options.users.addIndex(TENANT_INDEX, byTenant);
    options.users.addIndex(USERNAME_INDEX, byUserName);
    options.users.addIndex(MEMBER_INDEX, byGroup);
    options.groups.addIndex(TENANT_INDEX, byTenant);
    const forget = (obj: KubeObject) => this.#deleted.delete(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
    const invalidate = () => (this.#userLists = new Map());
    options.users.on("delete", (o) => (forget(o), invalidate()));
    options.users.on("add", invalidate);
    options.users.on("update", invalidate);
    const groupChanged = () => this.#revision++;
    options.groups.on("delete", (o) => (forget(o), groupChanged()));
    options.groups.on("add", groupChanged);
    options.groups.on("update", groupChanged);
    const changed = (obj: TenantObject) => {
      for (const fn of this.#tenantListeners) fn({ namespace: obj.metadata?.namespace ?? "", name: obj.metadata?.name ?? "" });
    };
    options.tenants.on("add", changed);
    options.tenants.on("update", (_old, obj) => changed(obj));
    options.tenants.on("delete", changed);
  }

  async start(): Promise<void> {
    const caches = [this.#o.users, this.#o.groups, this.#o.tenants];
    if (this.#o.ownsCaches !== false) for (const c of caches) c.start();
    await Promise.all(caches.map((c) => c.waitForSync()));
  }

  async stop(): Promise<void> {
    if (this.#o.ownsCaches !== false) await Promise.all([this.#o.users.stop(), this.#o.groups.stop(), this.#o.tenants.stop()]);
    this.#o.close?.();
  }

  ready(): boolean {
    return this.#o.users.hasSynced() && this.#o.groups.hasSynced() && this.#o.tenants.hasSynced();
  }

  tenant(ref: TenantRef): Tenant | undefined {
    const obj = this.#o.tenants.get(ref.namespace, ref.name);
    return obj ? tenantOf(obj) : undefined;
  }

  onTenantChange(fn: (ref: TenantRef) => void): void {
    this.#tenantListeners.push(fn);
  }

  async readSecretKey(namespace: string, ref: SecretKeySelector): Promise<string | undefined> {
    try {
      const secret = await this.#o.kube.request<{ data?: Record<string, string> }>({ path: corePath("secrets", namespace, ref.name) });
      const b64 = secret.data?.[ref.key];
      return b64 === undefined ? undefined : Buffer.from(b64, "base64").toString("utf8");
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw unavailable("reading a token Secret", err);
    }
  }

  // ---- users

  revision(): number {
    return this.#revision;
  }

  listUsers(t: Tenant): readonly UserRecord[] {
    const key = tenantKey(t.ref.namespace, t.ref.name);
    let list = this.#userLists.get(key);
    if (!list) {
      list = this.#visible(this.#o.users.byIndex(TENANT_INDEX, key), userRecord).sort(byCreation);
      this.#userLists.set(key, list);
    }
    return list;
  }

  getUser(t: Tenant, id: string): UserRecord | undefined {
    const obj = this.#o.users.get(t.ref.namespace, id);
    if (!obj || obj.spec?.tenantRef?.name !== t.ref.name) return undefined;
    return this.#visible([obj], userRecord)[0];
  }

  async fetchUser(t: Tenant, id: string): Promise<UserRecord | undefined> {
    return this.getUser(t, id) ?? this.#fetch(t, USER_KIND, id, (o) => userRecord(this.#o.users.applyWrite(o)));
  }

  usersByUserName(t: Tenant, userName: string): UserRecord[] {
    const key = `${tenantKey(t.ref.namespace, t.ref.name)}/${userName.toLowerCase()}`;
    return this.#visible(this.#o.users.byIndex(USERNAME_INDEX, key), userRecord);
  }

  async createUser(t: Tenant, attrs: UserAttributes): Promise<CreateResult<UserRecord>> {
    return this.#named.create(t, USER_KIND, attrs.userName, (existing) => {
      if (!existing) return userState(undefined, attrs, now());
      const prev = (existing.status as { scim?: ScimUserState } | undefined)?.scim;
      return isReplay(prev, attrs) ? userState(prev, attrs, now()) : undefined;
    }).then(({ obj, replayed }) => ({ record: this.#userFrom(obj), replayed }));
  }

  async updateUser(t: Tenant, id: string, change: (current: UserRecord) => UserAttributes, ifVersion?: string): Promise<UserRecord> {
    const first = (await this.fetchUser(t, id)) ?? throwNotFound("User", id);
    return this.#named.withRetry(t, USER_KIND, first, ifVersion, (o) => userRecord(o as UserObject), async (rec) => {
      const attrs = change(rec);
      const renamed = attrs.userName.toLowerCase() !== rec.state.userName.toLowerCase();
      if (renamed) await this.#named.claim(t, USER_KIND, attrs.userName, id);
      const obj = await this.#writer.applyScimStatus("DigiCertUser", USERS, t.ref.namespace, id, rec.version, userState(rec.state, attrs, now()));
      if (renamed) await this.#claims.releaseIfHeld(t.ref.namespace, t.ref.name, "user", rec.state.userName, id);
      return this.#userFrom(obj);
    });
  }

  async deleteUser(t: Tenant, id: string, ifVersion?: string): Promise<void> {
    const rec = (await this.fetchUser(t, id)) ?? throwNotFound("User", id);
    checkVersion(rec.version, ifVersion);
    await this.#delete(t, USER_KIND, id, ifVersion, rec.state.userName);
  }

  // ---- groups

  listGroups(t: Tenant): GroupRecord[] {
    return this.#visible(this.#o.groups.byIndex(TENANT_INDEX, tenantKey(t.ref.namespace, t.ref.name)), groupRecord).sort(byCreation);
  }

  getGroup(t: Tenant, id: string): GroupRecord | undefined {
    const obj = this.#o.groups.get(t.ref.namespace, id);
    if (!obj || obj.spec?.tenantRef?.name !== t.ref.name) return undefined;
    return this.#visible([obj], groupRecord)[0];
  }

  async fetchGroup(t: Tenant, id: string): Promise<GroupRecord | undefined> {
    return this.getGroup(t, id) ?? this.#fetch(t, GROUP_KIND, id, (o) => groupRecord(this.#o.groups.applyWrite(o)));
  }

  groupMembers(t: Tenant, id: string): string[] {
    const users = this.#o.users.byIndex(MEMBER_INDEX, `${t.ref.namespace}/${id}`).filter((u) => u.spec?.tenantRef?.name === t.ref.name);
    return this.#visible(users, userRecord)
      .map((u) => u.id)
      .sort();
  }

  async createGroup(t: Tenant, attrs: GroupAttributes): Promise<CreateResult<GroupRecord>> {
    await this.#checkMembers(t, attrs.members ?? []);
    const { obj, replayed } = await this.#named.create(t, GROUP_KIND, attrs.displayName, (existing) => {
      if (!existing) return groupState(undefined, attrs, now());
      const prev = (existing.status as { scim?: ScimGroupState } | undefined)?.scim;
      const members = this.groupMembers(t, existing.metadata?.name ?? "");
      return isGroupReplay(prev, attrs, members) ? groupState(prev, attrs, now()) : undefined;
    });
    const record = this.#groupFrom(obj);
    if (attrs.members) await this.#setMembers(t, record.id, attrs.members);
    return { record, replayed };
  }

  async updateGroup(t: Tenant, id: string, change: (current: GroupRecord, members: string[]) => GroupAttributes, ifVersion?: string): Promise<GroupRecord> {
    const first = (await this.fetchGroup(t, id)) ?? throwNotFound("Group", id);
    return this.#named.withRetry(t, GROUP_KIND, first, ifVersion, (o) => groupRecord(o as GroupObject), async (rec) => {
      const attrs = change(rec, this.groupMembers(t, id));
      if (attrs.members) await this.#checkMembers(t, attrs.members);
      const renamed = attrs.displayName.toLowerCase() !== rec.state.displayName.toLowerCase();
      if (renamed) await this.#named.claim(t, GROUP_KIND, attrs.displayName, id);
      if (attrs.members) await this.#setMembers(t, id, attrs.members);
      // Written after the members, so the group's version (its ETag) moves with every membership change.
      const obj = await this.#writer.applyScimStatus("ScimGroup", GROUPS, t.ref.namespace, id, rec.version, groupState(rec.state, attrs, now()));
      if (renamed) await this.#claims.releaseIfHeld(t.ref.namespace, t.ref.name, "group", rec.state.displayName, id);
      return this.#groupFrom(obj);
    });
  }

  async deleteGroup(t: Tenant, id: string, ifVersion?: string): Promise<void> {
    const rec = (await this.fetchGroup(t, id)) ?? throwNotFound("Group", id);
    checkVersion(rec.version, ifVersion);
    // Members first: if this replica dies half-way, the IdP's retried DELETE finishes the job.
    await this.#setMembers(t, id, []);
    await this.#delete(t, GROUP_KIND, id, ifVersion, rec.state.displayName);
  }

  // ---- shared machinery

  async #delete(t: Tenant, kind: Kind, id: string, ifVersion: string | undefined, value: string): Promise<void> {
    const ns = t.ref.namespace;
    const cache = kind === USER_KIND ? this.#o.users : this.#o.groups;
    const uid = cache.get(ns, id)?.metadata?.uid;
    // Hidden before the call, so a watch event that beats the answer cannot resurrect it for SCIM.
    this.#deleted.set(`${ns}/${id}`, uid ?? "");
    try {
      const answer = await this.#writer.delete(kind.plural, ns, id, { ...(uid ? { uid } : {}), ...(ifVersion ? { resourceVersion: ifVersion } : {}) });
      if (answer?.metadata?.deletionTimestamp) cache.applyWrite(answer);
    } catch (err) {
      this.#deleted.delete(`${ns}/${id}`);
      if (isStatus(err, 409) && ifVersion !== undefined) throw precondition();
      throw unavailable(`deleting a ${kind.kind}`, err);
    }
    this.#userLists = new Map();
    this.#revision++;
    await this.#named.guard(() => this.#claims.releaseIfHeld(ns, t.ref.name, kind.claim, value, id), "releasing a claim");
  }

  /** Makes `members` the group's exact membership by adding or removing the group on each user. */
  async #setMembers(t: Tenant, groupId: string, members: string[]): Promise<void> {
    const current = new Set(this.groupMembers(t, groupId));
    const wanted = new Set(members);
    const changes = [
      ...members.filter((m) => !current.has(m)).map((m) => [m, true] as const),
      ...[...current].filter((m) => !wanted.has(m)).map((m) => [m, false] as const),
    ];
    await mapLimit(changes, this.#o.writeConcurrency, ([userId, add]) => this.#setMembership(t, userId, groupId, add));
  }

  async #setMembership(t: Tenant, userId: string, groupId: string, add: boolean): Promise<void> {
    const first = await this.fetchUser(t, userId);
    if (!first) return;
    await this.#named.withRetry(t, USER_KIND, first, undefined, (o) => userRecord(o as UserObject), async (rec) => {
      const current = rec.state.groups ?? [];
      if (add === current.some((g) => g.value === groupId)) return rec;
      const groups = add ? [...current, { value: groupId }] : current.filter((g) => g.value !== groupId);
      return this.#userFrom(await this.#writer.applyScimStatus("DigiCertUser", USERS, t.ref.namespace, userId, rec.version, { ...rec.state, groups }));
    }).catch((err: unknown) => {
      // A user deleted meanwhile has no membership left to change.
      if (!(err instanceof ScimError && err.status === 404)) throw err;
    });
  }

  async #checkMembers(t: Tenant, members: string[]): Promise<void> {
    const unseen = members.filter((id) => !this.getUser(t, id));
    const fetched = await mapLimit(unseen, this.#o.writeConcurrency, (id) => this.fetchUser(t, id));
    const missing = unseen.filter((_, i) => !fetched[i]);
    if (missing.length > 0) {
      throw invalidValue(`members must be users of this tenant; unknown: ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? " …" : ""}`);
    }
  }

  /** A cache miss checked with the API server; objects of other tenants or being deleted stay invisible. */
  async #fetch<R>(t: Tenant, kind: Kind, id: string, toRecord: (o: KubeObject) => R | undefined): Promise<R | undefined> {
    if (this.#deleted.has(`${t.ref.namespace}/${id}`)) return undefined;
    const obj = await this.#named.guard(() => this.#writer.get<UserObject | GroupObject>(kind.plural, t.ref.namespace, id), `reading a ${kind.kind}`);
    if (!obj || obj.spec?.tenantRef?.name !== t.ref.name) return undefined;
    return toRecord(obj);
  }

  #visible<O extends KubeObject, R>(objs: O[], toRecord: (o: O) => R | undefined): R[] {
    const out: R[] = [];
    for (const o of objs) {
      if (this.#deleted.get(`${o.metadata?.namespace}/${o.metadata?.name}`) === (o.metadata?.uid ?? "")) continue;
      const r = toRecord(o);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  #userFrom(obj: KubeObject): UserRecord {
    this.#userLists = new Map();
    return userRecord(this.#o.users.applyWrite(obj)) ?? throwNotFound("User", obj.metadata?.name ?? "");
  }

  #groupFrom(obj: KubeObject): GroupRecord {
    return groupRecord(this.#o.groups.applyWrite(obj)) ?? throwNotFound("Group", obj.metadata?.name ?? "");
  }
}
