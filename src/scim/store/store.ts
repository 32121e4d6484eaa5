import type { SecretKeySelector } from "../../api/v1alpha1/index.js";
import type { GroupAttributes, GroupRecord } from "../resources/group.js";
import type { UserAttributes, UserRecord } from "../resources/user.js";

export interface TenantRef {
  namespace: string;
  name: string;
}

export interface Tenant {
  ref: TenantRef;
  uid: string;
  externalBaseUrl?: string;
  tokenSecretRefs: SecretKeySelector[];
}

/** What a create returns: `replayed` when the request repeated a create that had already succeeded. */
export interface CreateResult<R> {
  record: R;
  replayed: boolean;
}

/**
 * The SCIM receiver's only door to Kubernetes. Reads come from a cache with read-your-writes on
 * this replica; writes are durable in the API server when the promise resolves. Failures are
 * ScimErrors: 404 not found, 409 uniqueness, 412 precondition, 503 unavailable.
 */
export interface ScimStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once the caches hold a full list (readiness). */
  ready(): boolean;

  tenant(ref: TenantRef): Tenant | undefined;
  /** Calls `fn` whenever a tenant changes or goes, so token caches can be dropped. */
  onTenantChange(fn: (ref: TenantRef) => void): void;
  /** One key of a Secret in the tenant's namespace, or undefined if the Secret or key is missing. */
  readSecretKey(namespace: string, ref: SecretKeySelector): Promise<string | undefined>;

  /**
   * Every user of the tenant, oldest first (ties broken by id): a stable order for paging. The same
   * array is returned until a user changes, so callers may cache what they derive from it by identity.
   */
  listUsers(t: Tenant): readonly UserRecord[];
  /** Grows whenever a group changes or goes: renderings that show group names are stale then. */
  revision(): number;
  getUser(t: Tenant, id: string): UserRecord | undefined;
  /**
   * Like getUser, but a cache miss is checked with the API server: another replica may have created
   * the user a moment ago and this replica's watch has not caught up (the IdP's next request can land
   * on any replica).
   */
  fetchUser(t: Tenant, id: string): Promise<UserRecord | undefined>;
  /** Users whose userName equals `userName` without regard to case (an index lookup). */
  usersByUserName(t: Tenant, userName: string): UserRecord[];
  createUser(t: Tenant, attrs: UserAttributes): Promise<CreateResult<UserRecord>>;
  /**
   * Replaces the user's attributes with what `change` computes from the current record; `change`
   * is re-run on a fresher record when another writer got there first, unless `ifVersion` pins the
   * version the client saw (then the answer is 412).
   */
  updateUser(t: Tenant, id: string, change: (current: UserRecord) => UserAttributes, ifVersion?: string): Promise<UserRecord>;
  deleteUser(t: Tenant, id: string, ifVersion?: string): Promise<void>;

  listGroups(t: Tenant): GroupRecord[];
  getGroup(t: Tenant, id: string): GroupRecord | undefined;
  fetchGroup(t: Tenant, id: string): Promise<GroupRecord | undefined>;
  /** Member user ids of a group, from the users' side (membership is stored on users). */
  groupMembers(t: Tenant, id: string): string[];
  createGroup(t: Tenant, attrs: GroupAttributes): Promise<CreateResult<GroupRecord>>;
  /** Like updateUser; `members` in the result replaces the membership, undefined leaves it alone. */
  updateGroup(
    t: Tenant,
    id: string,
    change: (current: GroupRecord, members: string[]) => GroupAttributes,
    ifVersion?: string,
  ): Promise<GroupRecord>;
  deleteGroup(t: Tenant, id: string, ifVersion?: string): Promise<void>;
}
