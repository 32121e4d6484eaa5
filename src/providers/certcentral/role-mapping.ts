import { CERTCENTRAL_ROLES } from "../../api/v1alpha1/services.js";

/**
 * CertCentral access roles by id [C] DEV-GLOSSARY. The API's name casing varies between endpoints
 * ("Limited User" vs "Limited user"), so the operator maps by id and speaks the canonical names
 * GroupMappings use (CERTCENTRAL_ROLES).
 */
export const CERTCENTRAL_ROLE_IDS: Record<(typeof CERTCENTRAL_ROLES)[number], number> = {
  Administrator: 1,
  "Limited User": 2,
  "Finance Manager": 3,
  Manager: 4,
  "Standard User": 5,
};

export function roleIdOf(name: string): number | undefined {
  const hit = Object.entries(CERTCENTRAL_ROLE_IDS).find(([n]) => n.toLowerCase() === name.toLowerCase());
  return hit?.[1];
}

export function roleNameOf(id: number, fallback: string): string {
  return Object.entries(CERTCENTRAL_ROLE_IDS).find(([, i]) => i === id)?.[0] ?? fallback;
}
