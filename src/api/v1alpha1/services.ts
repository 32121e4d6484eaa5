import { z } from "zod";

/**
 * The DigiCert services an IdP group can be granted access to. The provider for each lives under
 * src/providers/ (certcentral/, dns/, digicert-one/ for the four DigiCert ONE managers,
 * account-scim/ for the DigiCert account).
 */
export const SERVICE_NAMES = [
  "certcentral",
  "dns",
  "trust-lifecycle",
  "software-trust",
  "document-trust",
  "iot-trust",
  "digicert-account",
] as const;
export const ServiceName = z.enum(SERVICE_NAMES).describe(`One of: ${SERVICE_NAMES.join(", ")}.`);
export type ServiceName = z.infer<typeof ServiceName>;

/** CertCentral's access roles are a fixed catalog (ids 1-5); the API server checks names for it. */
export const CERTCENTRAL_ROLES = ["Administrator", "Manager", "Finance Manager", "Standard User", "Limited User"] as const;

const celList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;

/** One grant: a role in one service, optionally limited to CertCentral divisions. */
export const GrantSchema = z
  .object({
    service: ServiceName,
    role: z
      .string()
      .min(1)
      .max(128)
      .describe("Role name in the service's catalog (CertCentral: one of " + CERTCENTRAL_ROLES.join(", ") + ")."),
    divisions: z
      .array(z.string().min(1).max(128))
      .max(100)
      .optional()
      .describe("CertCentral only: division (container) names the role is limited to; omitted means all divisions."),
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "self.service == 'certcentral' || !has(self.divisions)",
        message: "divisions may only be set on a certcentral grant",
        fieldPath: ".divisions",
      },
      {
        rule: `self.service != 'certcentral' || self.role in ${celList(CERTCENTRAL_ROLES)}`,
        message: `certcentral role must be one of: ${CERTCENTRAL_ROLES.join(", ")}`,
        fieldPath: ".role",
      },
    ],
  });
export type Grant = z.infer<typeof GrantSchema>;

/**
 * Services in which a user holds exactly one role (CertCentral's access role). For these the grant of
 * the highest-priority GroupMapping wins and ties go to the least privileged role; every other service
 * receives the union of the granted roles.
 */
export const SINGLE_ROLE_SERVICES: ReadonlySet<ServiceName> = new Set(["certcentral"]);

/** CertCentral roles from least to most privileged (DigiCert's role descriptions). */
export const CERTCENTRAL_PRIVILEGE_ORDER: readonly string[] = ["Limited User", "Standard User", "Finance Manager", "Manager", "Administrator"];
