import { createHash } from "node:crypto";
import type { ScimTenant, SecretKeySelector, ServiceName } from "../../api/v1alpha1/index.js";
import { connectionSettings, type AccessClient, type HttpDeps, type ProviderRegistry } from "../../providers/index.js";
import type { Informer } from "../../runtime/index.js";
import { CONTROLLER_ERRORS, ControllerError } from "../errors.js";
import type { Secret } from "./resources.js";

/**
 * Reads a Secret key from the informer cache. The value is returned to the caller and goes nowhere
 * else: error messages name the Secret and key, never the content.
 */
export function readSecret(secrets: Informer<Secret>, namespace: string, ref: SecretKeySelector): string {
  const secret = secrets.get(namespace, ref.name);
  if (!secret) throw new ControllerError(CONTROLLER_ERRORS.SECRET_MISSING, `Secret ${ref.name} not found`);
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined) throw new ControllerError(CONTROLLER_ERRORS.SECRET_MISSING, `Secret ${ref.name} has no key ${ref.key} (credentials must be in an Opaque Secret)`);
  const value = Buffer.from(encoded, "base64").toString("utf8").trim();
  if (value === "") throw new ControllerError(CONTROLLER_ERRORS.SECRET_MISSING, `Secret ${ref.name} key ${ref.key} is empty`);
  return value;
}

/**
 * One AccessClient per tenant and service, rebuilt when the credentials, endpoint or limits change
 * (a rotated Secret takes effect on the next call). Clients share the HTTP deps (SharedHttpState),
 * so every client using one API key draws from the same rate windows and circuit breaker.
 */
export class Connections {
  readonly #clients = new Map<string, { fingerprint: string; client: AccessClient }>();

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly secrets: Informer<Secret>,
    private readonly deps: HttpDeps,
  ) {}

  client(tenant: ScimTenant, service: ServiceName): AccessClient {
    const conn = tenant.spec.services.find((s) => s.service === service);
    if (!conn) throw new ControllerError(CONTROLLER_ERRORS.SERVICE_NOT_CONFIGURED, `tenant ${tenant.metadata.name} does not enable ${service}`);
    if (!this.registry.has(service)) throw new ControllerError(CONTROLLER_ERRORS.SERVICE_NOT_CONFIGURED, `no provider serves ${service}`);
    const namespace = tenant.metadata.namespace ?? "";
    const credentials = readSecret(this.secrets, namespace, conn.credentialsSecretRef);
    const settings = connectionSettings(conn, credentials);
    const fingerprint = createHash("sha256").update(JSON.stringify(settings)).digest("hex");
    const key = `${namespace}/${tenant.metadata.name}/${service}`;
    const cached = this.#clients.get(key);
    if (cached?.fingerprint === fingerprint) return cached.client;
    const client = this.registry.get(service).newClient(settings, this.deps);
    this.#clients.set(key, { fingerprint, client });
    return client;
  }

  /** Forgets a deleted tenant's clients. */
  forget(namespace: string, tenant: string): void {
    for (const key of this.#clients.keys()) if (key.startsWith(`${namespace}/${tenant}/`)) this.#clients.delete(key);
  }
}
