import type {
  JobError,
  JobResult,
  JobState,
  JobStep,
  JobType,
  Manifest,
  PluginLegacyInfo,
  PluginPermissions,
  PluginSource,
  PluginStatus,
  PluginType,
  PluginVersionLegacyInfo,
  RolloutPlacement,
  StepName,
} from "@arcade/contracts";

/** A row of t_plugin, in domain terms. JSON columns are parsed. */
export interface PluginRecord {
  pluginId: string;
  name: string;
  version: string;
  description: string;
  author: string;
  pluginType: PluginType;
  entryPoint: string;
  configSchema: Record<string, unknown> | null;
  paramsSchema: Record<string, unknown> | null;
  defaultConfig: Record<string, unknown> | null;
  icon: string;
  repository: string;
  documentation: string;
  isEnabled: PluginStatus;
  isBuiltin: 0;
  checksum: string;
  source: PluginSource;
  s3Path: string;
  manifest: Manifest;
  /** Market update checker results (null when never checked). */
  latestVersion: string | null;
  autoUpdate: boolean;
  marketId: string | null;
  installTime: Date;
  updateTime: Date;
  /** Why the plugin is in error (isEnabled 2), when known. Absent means null. */
  error?: string | null;
  /** Set on a plugin adopted from a pre-refactor installation until a package replaces it. */
  legacy?: PluginLegacyInfo | null;
}

/** A retained version (t_plugin_version). */
export interface PluginVersionRecord {
  pluginId: string;
  version: string;
  checksum: string;
  objectKey: string;
  size: number;
  manifest: Manifest;
  createdAt: Date;
  /** What this version runs with (normalised manifest.permissions); null on rows from before it was stored. */
  permissions?: PluginPermissions | null;
  /** Who installed or updated to this version, approving its permissions; null when not recorded. */
  permissionsApprovedBy?: string | null;
  /** Set on an adopted old native build: no object in the store (objectKey ""). */
  legacy?: PluginVersionLegacyInfo | null;
  /**
   * The publisher's Ed25519 signature (base64) over `checksum`, verified at install, and
   * the id of its key. Both null: unsigned. Nodes re-check them before every load.
   */
  signature?: string | null;
  signatureKeyId?: string | null;
}

export interface PluginListFilter {
  pluginType?: PluginType;
  status?: PluginStatus;
  source?: PluginSource;
  /** Case-insensitive substring of name, description or author. */
  q?: string;
  /** 1-based. */
  page: number;
  pageSize: number;
}

/** A placement as written: `updatedAt` defaults to the time of the write. */
export type PlacementWrite = Omit<RolloutPlacement, "updatedAt"> & { updatedAt?: string };

/** Mutations inside one database transaction; the revision bump commits with them. */
export interface PluginTx {
  insertPlugin(plugin: PluginRecord): Promise<void>;
  updatePlugin(pluginId: string, patch: Partial<Omit<PluginRecord, "pluginId">>): Promise<void>;
  /** Deletes the plugin row, its versions and its config. */
  deletePlugin(pluginId: string): Promise<void>;
  /** Insert, or replace the row with the same (pluginId, version). */
  upsertVersion(version: PluginVersionRecord): Promise<void>;
  deleteVersion(pluginId: string, version: string): Promise<void>;
  setConfig(pluginId: string, config: Record<string, unknown>): Promise<void>;
  /**
   * Insert, or replace the plugin's placement (t_plugin_rollout): a rollout step writes it and
   * bumps the revision in one transaction, so a node never reads one without the other.
   */
  putPlacement(placement: PlacementWrite): Promise<void>;
  /** Removes the plugin's placement (the rollout completed, was promoted or aborted); no row is fine. */
  deletePlacement(pluginId: string): Promise<void>;
  getPlacement(pluginId: string): Promise<RolloutPlacement | null>;
  /** Increments the cluster revision and returns the new value. */
  bumpRevision(): Promise<number>;
  findById(pluginId: string): Promise<PluginRecord | null>;
  findByName(name: string): Promise<PluginRecord | null>;
  versions(pluginId: string): Promise<PluginVersionRecord[]>;
}

/**
 * Plugin persistence port. Failures of the database itself surface as
 * AppError DATABASE_UNAVAILABLE (retryable); a unique-name clash in
 * insertPlugin as PLUGIN_EXISTS.
 */
export interface PluginRepo {
  findById(pluginId: string): Promise<PluginRecord | null>;
  findByName(name: string): Promise<PluginRecord | null>;
  list(filter: PluginListFilter): Promise<{ items: PluginRecord[]; total: number }>;
  /** Every plugin, for reconcile. */
  listAll(): Promise<PluginRecord[]>;
  /** Newest first. */
  versions(pluginId: string): Promise<PluginVersionRecord[]>;
  getVersion(pluginId: string, version: string): Promise<PluginVersionRecord | null>;
  getConfig(pluginId: string): Promise<Record<string, unknown> | null>;
  /** Every plugin with a rollout in progress (t_plugin_rollout), for reconcile. */
  listPlacements(): Promise<RolloutPlacement[]>;
  getPlacement(pluginId: string): Promise<RolloutPlacement | null>;
  currentRevision(): Promise<number>;
  transaction<T>(work: (tx: PluginTx) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
}

/** One row of the operations/audit table: the durable record of a job. */
export interface JobRecord {
  jobId: string;
  type: JobType;
  pluginId: string | null;
  /** Set while the operation is unfinished; a unique index makes a second one impossible (409). */
  lockKey: string | null;
  idempotencyKey: string | null;
  state: JobState;
  step: StepName | null;
  progress: number;
  steps: JobStep[];
  attempts: number;
  payload: Record<string, unknown>;
  error: JobError | null;
  result: JobResult | null;
  requestedBy: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface JobListFilter {
  pluginId?: string;
  state?: JobState;
  type?: JobType;
  page: number;
  pageSize: number;
}

export interface JobRepo {
  /**
   * Inserts a new operation. A clash on lockKey raises OPERATION_IN_PROGRESS
   * (extras.inFlightJobId); a clash on idempotencyKey returns the existing row instead.
   */
  create(op: JobRecord): Promise<{ created: boolean; operation: JobRecord }>;
  get(jobId: string): Promise<JobRecord | null>;
  findByIdempotencyKey(key: string): Promise<JobRecord | null>;
  findUnfinished(lockKey: string): Promise<JobRecord | null>;
  /** Partial update; finishing (succeeded/failed) also clears lockKey. */
  update(jobId: string, patch: Partial<Omit<JobRecord, "jobId" | "createdAt">>): Promise<void>;
  list(filter: JobListFilter): Promise<{ items: JobRecord[]; total: number }>;
  /** Deletes finished operations older than the cutoff; returns how many. */
  prune(olderThan: Date): Promise<number>;
}
