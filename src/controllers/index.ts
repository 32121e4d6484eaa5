/**
 * The three controllers (ScimTenant, GroupMapping, DigiCertUser) and the drift resync, wired by
 * setupControllers(); ControllersConfigSchema holds their settings.
 */
export { setupControllers, type SetupOptions, type SetupResult } from "./setup.js";
export { ControllersConfigSchema, type ControllersConfig, defaultControllersConfig } from "./config.js";
export { APPROVE_DEPROVISION_ANNOTATION } from "./scim-tenant/deprovision-guard.js";
export { DEPROVISION_FINALIZER } from "./shared/kube-writes.js";
export { CONTROLLER_ERRORS, ControllerError } from "./errors.js";
