import { OperatorError } from "../errors.js";

export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** RFC 7644 §3.12 scimType values. */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive";

/** Stable codes for every SCIM error the receiver raises on purpose. */
export const SCIM_ERROR_CODES = {
  SCIM_ERR_INVALID_FILTER: { status: 400, scimType: "invalidFilter" },
  SCIM_ERR_TOO_MANY: { status: 400, scimType: "tooMany" },
  SCIM_ERR_INVALID_SYNTAX: { status: 400, scimType: "invalidSyntax" },
  SCIM_ERR_INVALID_PATH: { status: 400, scimType: "invalidPath" },
  SCIM_ERR_NO_TARGET: { status: 400, scimType: "noTarget" },
  SCIM_ERR_INVALID_VALUE: { status: 400, scimType: "invalidValue" },
  SCIM_ERR_MUTABILITY: { status: 400, scimType: "mutability" },
  SCIM_ERR_UNAUTHORIZED: { status: 401 },
  SCIM_ERR_FORBIDDEN: { status: 403 },
  SCIM_ERR_NOT_FOUND: { status: 404 },
  SCIM_ERR_METHOD: { status: 405 },
  SCIM_ERR_UNIQUENESS: { status: 409, scimType: "uniqueness" },
  SCIM_ERR_CONFLICT: { status: 409 },
  SCIM_ERR_PRECONDITION: { status: 412 },
  SCIM_ERR_PAYLOAD_TOO_LARGE: { status: 413 },
  SCIM_ERR_MEDIA_TYPE: { status: 415 },
  SCIM_ERR_THROTTLED: { status: 429 },
  SCIM_ERR_INTERNAL: { status: 500 },
  SCIM_ERR_UNAVAILABLE: { status: 503 },
} as const satisfies Record<string, { status: number; scimType?: ScimType }>;

export type ScimErrorCode = keyof typeof SCIM_ERROR_CODES;

/** An error with a SCIM status and scimType; the HTTP edge renders it as an RFC 7644 §3.12 body. */
export class ScimError extends OperatorError {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers: Record<string, string>;

  constructor(code: ScimErrorCode, message: string, options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    const entry: { status: number; scimType?: ScimType } = SCIM_ERROR_CODES[code];
    this.status = entry.status;
    this.scimType = entry.scimType;
    this.headers = options.headers ?? {};
  }
}

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail?: string;
}

/** The response body; 5xx carry no detail, because their message may describe internals. */
export function toScimErrorBody(status: number, scimType?: ScimType, detail?: string): ScimErrorBody {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    ...(status < 500 && detail ? { detail } : {}),
  };
}

export const scimErrorBodyOf = (err: ScimError) => toScimErrorBody(err.status, err.scimType, err.message);

export const notFound = (what: string, id: string) => new ScimError("SCIM_ERR_NOT_FOUND", `${what} ${JSON.stringify(id)} not found`);
export const invalidValue = (message: string, cause?: unknown) =>
  new ScimError("SCIM_ERR_INVALID_VALUE", message, cause === undefined ? {} : { cause });
export const invalidSyntax = (message: string) => new ScimError("SCIM_ERR_INVALID_SYNTAX", message);
