/**
 * A pre-refactor Arcade installation for tests: the old Go server's t_plugin / t_plugin_config
 * exactly as issue 15 describes them (optionally after the original design's ALTERs), filled
 * with rows that exercise every rule of the adoption: several versions of one plugin (1.10.0
 * above 1.2.0), a pre-release, an id and a name this platform would not accept, an unknown
 * type, two plugins with one name, scoped configs, an orphan config and over-long text.
 * Written with plain SQL through `exec`, as the old server would have, never through TypeORM.
 */

export type PreRefactorState = "empty" | "pre-refactor" | "pre-refactor+alters";
export type Exec = (sql: string, params?: unknown[]) => Promise<unknown>;

export interface OldPluginRow {
  id: number;
  plugin_id: string;
  name: string;
  version: string;
  description: string | null;
  author: string | null;
  plugin_type: string;
  entry_point: string;
  config_schema: string | null;
  params_schema: string | null;
  default_config: string | null;
  icon: string | null;
  repository: string | null;
  documentation: string | null;
  is_enabled: number;
  is_builtin: number;
  install_path: string | null;
  checksum: string | null;
  create_time: string;
  update_time: string;
}

export interface OldConfigRow {
  id: number;
  config_id: string;
  plugin_id: string;
  name: string;
  config_items: string;
  description: string | null;
  scope: string;
  scope_id: string | null;
  is_default: number;
  created_by: string | null;
  create_time: string;
  update_time: string;
}

const SLACK_SCHEMA = JSON.stringify({
  type: "object",
  properties: { webhook: { type: "string" }, channel: { type: "string" } },
});
const LONG_DOC = `# K8s deploy\n\n${"Deploys to Kubernetes. ".repeat(40)}`;

function row(
  partial: Partial<OldPluginRow> &
    Pick<OldPluginRow, "id" | "plugin_id" | "name" | "version" | "plugin_type">,
): OldPluginRow {
  return {
    description: `${partial.name} ${partial.version}`,
    author: "Arcade Ops",
    entry_point: "NewPlugin",
    config_schema: null,
    params_schema: null,
    default_config: null,
    icon: null,
    repository: null,
    documentation: null,
    is_enabled: 1,
    is_builtin: 0,
    install_path: `/var/lib/arcade/plugins/${partial.plugin_id}_${partial.version}.so`,
    checksum: `${partial.id}`.padStart(64, "c"),
    create_time: `2023-0${Math.min(9, partial.id)}-01 08:00:00`,
    update_time: `2023-0${Math.min(9, partial.id)}-02 09:30:00`,
    ...partial,
  };
}

export const OLD_PLUGIN_ROWS: readonly OldPluginRow[] = [
  row({
    id: 1,
    plugin_id: "plugin_slack_abc123",
    name: "slack",
    version: "1.2.0",
    plugin_type: "notify",
    config_schema: SLACK_SCHEMA,
    default_config: JSON.stringify({ channel: "#general" }),
    is_enabled: 0,
  }),
  row({
    id: 2,
    plugin_id: "plugin_slack_abc123",
    name: "slack",
    version: "1.10.0",
    plugin_type: "notify",
    description: "Sends messages to Slack",
    config_schema: SLACK_SCHEMA,
    params_schema: JSON.stringify({ type: "object", properties: { message: { type: "string" } } }),
    default_config: JSON.stringify({ channel: "#general" }),
    icon: "https://cdn.example/slack.png",
    repository: "https://git.example/arcade/slack",
    is_enabled: 1,
  }),
  row({ id: 3, plugin_id: "plugin_slack_abc123", name: "slack", version: "1.9.3", plugin_type: "notify" }),
  row({
    id: 4,
    plugin_id: "plugin_k8s-deploy_x1y2z3",
    name: "k8s-deploy",
    version: "2.0.0",
    plugin_type: "deploy",
    documentation: LONG_DOC,
    is_enabled: 1,
  }),
  row({
    id: 5,
    plugin_id: "plugin_k8s-deploy_x1y2z3",
    name: "k8s-deploy",
    version: "2.1.0-beta.1",
    plugin_type: "deploy",
    documentation: LONG_DOC,
    is_enabled: 0,
  }),
  row({
    id: 6,
    plugin_id: "Legacy.Scanner-007",
    name: "Security Scanner",
    version: "v3",
    plugin_type: "scanner",
    is_enabled: 1,
    checksum: "md5:0cc175b9c0f1b6a831c399e269772661",
  }),
  row({
    id: 7,
    plugin_id: "plugin_test-runner_t0t0t0",
    name: "test-runner",
    version: "0.1.0",
    plugin_type: "test",
    install_path: null,
    checksum: null,
    description: null,
    author: null,
  }),
  row({ id: 8, plugin_id: "plugin_slack_zzz999", name: "Slack", version: "1.0.0", plugin_type: "notify" }),
];

export const OLD_CONFIG_ROWS: readonly OldConfigRow[] = [
  config(1, "cfg-slack-default", "plugin_slack_abc123", "global", null, 1, {
    webhook: "https://hooks.example/1",
    channel: "#ops",
  }),
  config(2, "cfg-slack-old", "plugin_slack_abc123", "global", null, 0, {
    webhook: "https://hooks.example/old",
  }),
  config(3, "cfg-slack-pipe", "plugin_slack_abc123", "pipeline", "pipe-42", 0, { channel: "#deploys" }),
  config(4, "cfg-slack-user", "plugin_slack_abc123", "user", "u-7", 0, { mention: true }),
  config(5, "cfg-k8s", "plugin_k8s-deploy_x1y2z3", "global", null, 1, { namespace: "prod", replicas: 3 }),
  config(6, "cfg-scanner", "Legacy.Scanner-007", "global", null, 0, { level: "high" }),
  config(7, "cfg-orphan", "plugin_gone_000000", "global", null, 1, { lost: false }),
  config(8, "cfg-scanner-list", "Legacy.Scanner-007", "pipeline", "pipe-9", 0, ["a", "b"]),
];

function config(
  id: number,
  configId: string,
  pluginId: string,
  scope: string,
  scopeId: string | null,
  isDefault: number,
  items: unknown,
): OldConfigRow {
  return {
    id,
    config_id: configId,
    plugin_id: pluginId,
    name: `${configId} settings`,
    config_items: JSON.stringify(items),
    description: id % 2 === 0 ? null : `config ${configId}`,
    scope,
    scope_id: scopeId,
    is_default: isDefault,
    created_by: id % 3 === 0 ? null : "admin",
    create_time: `2024-01-0${id} 10:00:00`,
    update_time: `2024-02-0${id} 11:00:00`,
  };
}

/** Extra values of the original design's ALTER columns, by old row id. */
export const DESIGN_COLUMNS: Readonly<
  Record<number, { source: string; s3_path: string; manifest: string | null; install_time: string | null }>
> = {
  2: {
    source: "local",
    s3_path: "plugins/plugin_slack_abc123/1.10.0/plugin_slack_abc123_1.10.0.so",
    manifest: JSON.stringify({
      name: "slack",
      version: "1.10.0",
      tags: ["chat"],
      homepage: "https://slack.example",
    }),
    install_time: "2023-01-15 12:00:00",
  },
  4: { source: "market", s3_path: "", manifest: null, install_time: null },
  5: {
    source: "market",
    s3_path: "plugins/plugin_k8s-deploy_x1y2z3/2.1.0-beta.1/x.so",
    manifest: null,
    install_time: "2023-05-05 05:05:05",
  },
};

function tableDdl(kind: "mysql" | "sqlite"): string[] {
  if (kind === "mysql") {
    return [
      `CREATE TABLE t_plugin (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        plugin_id VARCHAR(64) NOT NULL,
        name VARCHAR(128) NOT NULL,
        version VARCHAR(32) NOT NULL,
        description TEXT NULL,
        author VARCHAR(128) NULL,
        plugin_type VARCHAR(32) NOT NULL,
        entry_point VARCHAR(255) NOT NULL,
        config_schema JSON NULL,
        params_schema JSON NULL,
        default_config JSON NULL,
        icon VARCHAR(512) NULL,
        repository VARCHAR(512) NULL,
        documentation TEXT NULL,
        is_enabled TINYINT NOT NULL DEFAULT 1,
        is_builtin TINYINT NOT NULL DEFAULT 0,
        install_path VARCHAR(512) NULL,
        checksum VARCHAR(128) NULL,
        create_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        update_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        UNIQUE KEY uk_plugin_version (plugin_id, version),
        KEY idx_plugin_type (plugin_type),
        KEY idx_is_enabled (is_enabled),
        KEY idx_name (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE t_plugin_config (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        config_id VARCHAR(64) NOT NULL,
        plugin_id VARCHAR(64) NOT NULL,
        name VARCHAR(128) NOT NULL,
        config_items JSON NOT NULL,
        description VARCHAR(512) NULL,
        scope VARCHAR(32) NOT NULL DEFAULT 'global',
        scope_id VARCHAR(64) NULL,
        is_default TINYINT NOT NULL DEFAULT 0,
        created_by VARCHAR(64) NULL,
        create_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        update_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        UNIQUE KEY uk_config_id (config_id),
        KEY idx_config_plugin (plugin_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ];
  }
  return [
    `CREATE TABLE t_plugin (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      plugin_id VARCHAR(64) NOT NULL,
      name VARCHAR(128) NOT NULL,
      version VARCHAR(32) NOT NULL,
      description TEXT NULL,
      author VARCHAR(128) NULL,
      plugin_type VARCHAR(32) NOT NULL,
      entry_point VARCHAR(255) NOT NULL,
      config_schema JSON NULL,
      params_schema JSON NULL,
      default_config JSON NULL,
      icon VARCHAR(512) NULL,
      repository VARCHAR(512) NULL,
      documentation TEXT NULL,
      is_enabled TINYINT NOT NULL DEFAULT 1,
      is_builtin TINYINT NOT NULL DEFAULT 0,
      install_path VARCHAR(512) NULL,
      checksum VARCHAR(128) NULL,
      create_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
      update_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
      UNIQUE (plugin_id, version)
    )`,
    "CREATE INDEX idx_plugin_type ON t_plugin (plugin_type)",
    "CREATE INDEX idx_is_enabled ON t_plugin (is_enabled)",
    "CREATE INDEX idx_name ON t_plugin (name)",
    `CREATE TABLE t_plugin_config (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      config_id VARCHAR(64) NOT NULL UNIQUE,
      plugin_id VARCHAR(64) NOT NULL,
      name VARCHAR(128) NOT NULL,
      config_items JSON NOT NULL,
      description VARCHAR(512) NULL,
      scope VARCHAR(32) NOT NULL DEFAULT 'global',
      scope_id VARCHAR(64) NULL,
      is_default TINYINT NOT NULL DEFAULT 0,
      created_by VARCHAR(64) NULL,
      create_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
      update_time DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
    )`,
    "CREATE INDEX idx_config_plugin ON t_plugin_config (plugin_id)",
  ];
}

/**
 * The original design's ALTERs (section 数据库迁移), minus `ADD COLUMN update_time`: the old
 * table already has that column, so installations could only run the others.
 */
function designAlters(kind: "mysql" | "sqlite"): string[] {
  const columns = [
    "source VARCHAR(20) DEFAULT 'local'",
    "s3_path VARCHAR(500) DEFAULT ''",
    "manifest JSON DEFAULT NULL",
    "install_time DATETIME DEFAULT NULL",
  ];
  const alters =
    kind === "mysql"
      ? [`ALTER TABLE t_plugin ${columns.map((c) => `ADD COLUMN ${c}`).join(", ")}`]
      : columns.map((c) => `ALTER TABLE t_plugin ADD COLUMN ${c}`);
  return [
    ...alters,
    "UPDATE t_plugin SET source = 'local' WHERE (source IS NULL OR source = '')",
    "CREATE INDEX idx_plugin_source ON t_plugin(source)",
    "CREATE INDEX idx_plugin_status ON t_plugin(is_enabled)",
  ];
}

/** Builds the installation: nothing for "empty", else the old tables with every fixture row. */
export async function seedPreRefactor(
  exec: Exec,
  kind: "mysql" | "sqlite",
  state: PreRefactorState,
): Promise<void> {
  if (state === "empty") return;
  for (const sql of tableDdl(kind)) await exec(sql);
  if (state === "pre-refactor+alters") for (const sql of designAlters(kind)) await exec(sql);
  for (const r of OLD_PLUGIN_ROWS) {
    const columns = Object.keys(r);
    await exec(
      `INSERT INTO t_plugin (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
      Object.values(r),
    );
  }
  if (state === "pre-refactor+alters") {
    for (const [id, values] of Object.entries(DESIGN_COLUMNS)) {
      // update_time set to itself: on MySQL the old column is ON UPDATE CURRENT_TIMESTAMP.
      const row = OLD_PLUGIN_ROWS.find((r) => r.id === Number(id))!;
      await exec(
        "UPDATE t_plugin SET source = ?, s3_path = ?, manifest = ?, install_time = ?, update_time = ? WHERE id = ?",
        [values.source, values.s3_path, values.manifest, values.install_time, row.update_time, row.id],
      );
    }
  }
  for (const c of OLD_CONFIG_ROWS) {
    const columns = Object.keys(c);
    await exec(
      `INSERT INTO t_plugin_config (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
      Object.values(c),
    );
  }
}

/** Old DATETIME text as the Date the platform reads it as (UTC). */
export function oldTime(text: string): Date {
  return new Date(`${text.replace(" ", "T")}Z`);
}
