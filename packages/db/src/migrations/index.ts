import type { MigrationInterface } from "typeorm";
import { InitialSchema1767225600000 } from "./1767225600000-initial-schema.js";
import { VersionPermissions1768003200000 } from "./1768003200000-version-permissions.js";
import { VersionSignatures1768089600000 } from "./1768089600000-version-signatures.js";

/** Every migration, oldest first. Listed as classes (no globs) so tsx, vitest and bundles agree. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  InitialSchema1767225600000,
  VersionPermissions1768003200000,
  VersionSignatures1768089600000,
];
