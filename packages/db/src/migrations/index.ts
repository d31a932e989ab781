import type { MigrationInterface } from "typeorm";
import { InitialSchema1767225600000 } from "./1767225600000-initial-schema.js";

/** Every migration, oldest first. Listed as classes (no globs) so tsx, vitest and bundles agree. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [InitialSchema1767225600000];
