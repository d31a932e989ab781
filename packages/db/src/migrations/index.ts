import type { MigrationInterface } from "typeorm";
import { AdoptPreRefactorTables1767225000000 } from "./1767225000000-adopt-pre-refactor-tables.js";
import { InitialSchema1767225600000 } from "./1767225600000-initial-schema.js";
import { LegacyColumns1767312000000 } from "./1767312000000-legacy-columns.js";
import { ImportPreRefactorRows1767312000001 } from "./1767312000001-import-pre-refactor-rows.js";
import { VersionPermissions1768003200000 } from "./1768003200000-version-permissions.js";
import { VersionSignatures1768089600000 } from "./1768089600000-version-signatures.js";
import { PluginRollout1768176000000 } from "./1768176000000-plugin-rollout.js";
import { RolloutCommand1768262400000 } from "./1768262400000-rollout-command.js";

/**
 * Every migration, oldest first. Listed as classes (no globs) so tsx, vitest and bundles agree.
 * The adoption of pre-refactor tables sorts before the initial schema: it must move them out of
 * the way first. A database migrated before it existed simply runs it (it finds nothing to do).
 */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  AdoptPreRefactorTables1767225000000,
  InitialSchema1767225600000,
  LegacyColumns1767312000000,
  ImportPreRefactorRows1767312000001,
  VersionPermissions1768003200000,
  VersionSignatures1768089600000,
  PluginRollout1768176000000,
  RolloutCommand1768262400000,
];

/** The migration whose record says the old rows were copied (checked by --drop-legacy). */
export const IMPORT_MIGRATION_NAME = "ImportPreRefactorRows1767312000001";
