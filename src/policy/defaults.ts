import { PolicySchema, type Policy } from "./schema.js";

/**
 * The policy when none is configured: viewers call read-only tools; operators also call
 * side-effecting tools, each such step pausing for approval; admins call everything, and approve.
 * The local caller (CLI and library without a caller) is an admin, so local runs work as before.
 */
export const DEFAULT_POLICY: Policy = PolicySchema.parse({
  roles: {
    viewer: { allow: ["read_only"] },
    operator: { allow: ["read_only", "side_effects"], approval: ["side_effects"] },
    admin: { allow: ["*"] },
  },
  approvers: { roles: ["admin", "operator"] },
});
