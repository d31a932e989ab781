/**
 * Dependency rules of the house plan: contracts <- core <- archive <- adapters <- apps.
 * Leaf utility packages (config, telemetry) depend on nothing of ours but contracts.
 * archive (zip reading, inspection, extraction, the one SHA-256 stream) does file I/O, so it
 * sits above core (which only names it through the ArchiveTools port) and below the adapters.
 */
const ADAPTERS = "(db|storage|queue|bus|runtime|market)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "contracts-is-pure",
      comment: "contracts holds schemas and types only: no I/O, nothing of ours.",
      severity: "error",
      from: { path: "^packages/contracts/" },
      to: { path: "^(packages|apps)/", pathNot: "^packages/contracts/" },
    },
    {
      name: "core-only-contracts",
      comment: "core is the domain: it may use contracts, never an adapter, config or app.",
      severity: "error",
      from: { path: "^packages/core/" },
      to: { path: "^(packages|apps)/", pathNot: "^packages/(core|contracts)/" },
    },
    {
      name: "core-no-infrastructure",
      comment: "core is written against ports; infrastructure libraries belong to adapters.",
      severity: "error",
      from: { path: "^packages/core/" },
      to: { path: "node_modules/(bullmq|typeorm|ioredis|@aws-sdk|hono|@hono|mysql2|better-sqlite3|pino)/" },
    },
    {
      name: "bullmq-only-in-queue",
      comment: "the queue package owns everything BullMQ (workers, delays, lock tokens, failures).",
      severity: "error",
      from: { path: "^(packages|apps)/", pathNot: "^packages/queue/" },
      to: { path: "node_modules/bullmq/" },
    },
    {
      name: "core-no-file-system",
      comment: "core does no I/O of its own: files are read through ports (ArchiveTools, JobFiles).",
      severity: "error",
      from: { path: "^packages/core/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["core"], path: "^(node:)?fs(/promises)?$" },
    },
    {
      name: "archive-only-core",
      comment: "archive reads files for the layers above it; it uses only core and contracts.",
      severity: "error",
      from: { path: "^packages/archive/" },
      to: { path: "^(packages|apps)/", pathNot: "^packages/(archive|core|contracts)/" },
    },
    {
      name: "adapters-independent",
      comment: "adapters do not import each other or any app.",
      severity: "error",
      from: { path: `^packages/${ADAPTERS}/` },
      to: {
        path: "^(packages|apps)/",
        pathNot: [`^packages/$1/`, "^packages/(core|contracts|archive|config|telemetry|secrets)/"],
      },
    },
    {
      name: "secrets-over-core",
      comment: "secrets (config secret encryption) builds on core's secret fields; adapters and apps use it.",
      severity: "error",
      from: { path: "^packages/secrets/" },
      to: { path: "^(packages|apps)/", pathNot: "^packages/(secrets|core|contracts)/" },
    },
    {
      name: "db-without-config",
      comment:
        "db takes DatabaseOptions; reading them from the configuration is platform's (bin/migrate too).",
      severity: "error",
      from: { path: "^packages/db/" },
      to: { path: "^packages/config/" },
    },
    {
      name: "leaves-stay-leaves",
      severity: "error",
      from: { path: "^packages/(config|telemetry)/" },
      to: { path: "^(packages|apps)/", pathNot: ["^packages/$1/", "^packages/contracts/"] },
    },
    {
      name: "apps-independent",
      severity: "error",
      from: { path: "^apps/([^/]+)/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },
    {
      name: "packages-not-apps",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
    {
      name: "plugins-only-sdk",
      comment: "example plugins are what an outside author writes: only the SDK.",
      severity: "error",
      from: { path: "^packages/plugins/" },
      to: { path: "^(packages|apps)/", pathNot: ["^packages/plugins/", "^packages/sdk/"] },
    },
    {
      name: "platform-only-for-apps",
      comment: "platform maps config to adapters for the composition roots; nothing below it may use it.",
      severity: "error",
      from: { path: "^packages/", pathNot: "^packages/platform/" },
      to: { path: "^packages/platform/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|\\.data|node_modules/\\.pnpm)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".json"],
    },
    moduleSystems: ["es6", "cjs"],
  },
};
