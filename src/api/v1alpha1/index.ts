export * from "./meta.js";
export * from "./conditions.js";
export * from "./services.js";
export * from "./scim-tenant.js";
export * from "./group-mapping.js";
export * from "./digicert-user.js";
export * from "./scim-group.js";
