/** Readers for the error bodies DigiCert's APIs send; each returns the first code and message. */

type Parsed = { code?: string; message?: string };
const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);

/**
 * CertCentral always sends {"errors":[{code,message}]}; DigiCert ONE documents {"error":{code,message}}
 * but its examples use the plural form, so both are read [C] DEV-CC-ERR, DEV-ONE-ERR.
 */
export function parseDigiCertError(body: unknown): Parsed {
  const record = asRecord(body);
  const first = Array.isArray(record?.errors) ? asRecord(record.errors[0]) : asRecord(record?.error);
  if (first) return { code: str(first.code), message: str(first.message) };
  return typeof body === "string" && body.length > 0 ? { message: body.slice(0, 200) } : {};
}

/** [I] UltraDNS-style [{errorCode, errorMessage}], assumed for DigiCert DNS. */
export function parseDnsError(body: unknown): Parsed {
  const first = asRecord(Array.isArray(body) ? body[0] : body);
  return first ? { code: str(first.errorCode), message: str(first.errorMessage) } : {};
}

/** RFC 7644 §3.12 error: {schemas, status, scimType?, detail?}. */
export function parseScimError(body: unknown): Parsed {
  const record = asRecord(body);
  return record ? { code: str(record.scimType), message: str(record.detail) } : {};
}
