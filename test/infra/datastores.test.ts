import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@arcade/config";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { containerEnv, type EnvFrom, type EnvVar, named, valuesOf } from "./k8s-env.js";
import { type K8sObject, type Rendered, renderKustomization } from "./kustomize.js";

/**
 * The credentials compose and Kubernetes create and hand out (issue 13), checked offline against
 * the local service scripts they must match: every Redis user has exactly the rules that
 * infra/services/redis.sh writes (its own write_acl, run here), each platform process logs in as
 * its role's user with the password Redis was given, the MariaDB init creates the user the
 * platform's config names, with the rights of infra/services/mariadb.sh, the runtime nodes alone
 * get the object store's read-only key (which MinIO's init makes) while the writer key stays with
 * the api and worker, and the cluster secret only ever comes from a Secret or the env file.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const DATASTORES = join(ROOT, "infra/k8s/components/datastores");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const scratch = mkdtempSync(join(tmpdir(), "arcade-datastores-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
/** A password per variable name, letters and digits as the scripts require. */
const sample = (name: string) => sha256(`sample:${name}`).slice(0, 32);

/** user -> its ACL rules in order, the password hash left out (`#<sha256>` -> "#"). */
type AclRules = Map<string, string[]>;

function parseAcl(text: string): { rules: AclRules; hashes: Map<string, string> } {
  const rules: AclRules = new Map();
  const hashes = new Map<string, string>();
  for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
    const [keyword, user, ...tokens] = line.trim().split(/\s+/);
    expect(keyword, line).toBe("user");
    const hash = tokens.filter((t) => t.startsWith("#"));
    expect(hash.length, `${user} has one password hash`).toBe(1);
    hashes.set(user!, hash[0]!.slice(1));
    rules.set(
      user!,
      tokens.map((t) => (t.startsWith("#") ? "#" : t)),
    );
  }
  return { rules, hashes };
}

/** The ACL file infra/services/redis.sh writes: its own sha() and write_acl(), run by bash. */
function localScriptAcl(prefix: string): AclRules {
  const script = read("infra/services/redis.sh");
  const fn = (name: string) => {
    const match = script.match(new RegExp(`^${name}\\(\\) \\{[\\s\\S]*?^\\}`, "m"));
    if (!match) throw new Error(`infra/services/redis.sh has no function ${name}()`);
    return match[0];
  };
  const out = join(scratch, `local-${prefix}.acl`);
  execFileSync("bash", ["-euo", "pipefail", "-c", `${fn("sha")}\n${fn("write_acl")}\nwrite_acl`], {
    env: {
      PATH: process.env.PATH,
      ACL_FILE: out,
      KEY_GLOB: `${prefix}*`,
      ADMIN_PASSWORD: "a".repeat(32),
      API_PASSWORD: "b".repeat(32),
      WORKER_PASSWORD: "c".repeat(32),
    },
  });
  return parseAcl(readFileSync(out, "utf8")).rules;
}

/** Runs redis-acl.sh (the compose and Kubernetes one) with `env`; the file, or its error. */
function renderAcl(env: Record<string, string>): { text?: string; error?: string } {
  const out = join(scratch, `rendered-${Math.random().toString(36).slice(2)}.acl`);
  const result = spawnSync("sh", [join(DATASTORES, "redis-acl.sh"), out], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
  });
  if (result.status !== 0) return { error: result.stderr };
  return { text: readFileSync(out, "utf8") };
}

/** Compose `${VAR:?msg}` / `${VAR:-default}` with a sample per variable, as `docker compose` would. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) =>
    op === "-" ? (arg ?? "") : sample(name),
  );
}

interface ComposeService {
  build?: { dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
const composeText = read("infra/docker-compose.yml");
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const platform = Object.entries(compose.services).filter(
  ([, s]) => s.build?.dockerfile === "infra/docker/Dockerfile",
);
const composeEnv = (s: ComposeService) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
const roleOf = (command: string | undefined) => (command === "worker" ? "worker" : "api");

/** A rendered variant with every Secret value replaced by a sample, as an operator would fill them. */
function filled(dir: string): Rendered[] {
  const rendered = renderKustomization(join(ROOT, dir), ROOT);
  for (const { object } of rendered) {
    if (object.kind !== "Secret") continue;
    const data = object.stringData as Record<string, string>;
    for (const key of Object.keys(data)) {
      if (key !== "ARCADE_AUTH_TOKENS") data[key] = sample(`${object.metadata.name}/${key}`);
    }
  }
  return rendered;
}

interface PodContainer {
  name: string;
  command?: string[];
  args?: string[];
  envFrom?: EnvFrom[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: PodContainer[];
  volumes?: { name: string; configMap?: { name: string } }[];
}
const podSpec = (o: K8sObject) => (o.spec as { template: { spec: PodSpec } }).template.spec;
const workloads = (rendered: Rendered[], kind: string) =>
  rendered.map((r) => r.object).filter((o) => o.kind === kind);

const VARIANTS = ["infra/k8s/base", "infra/k8s/overlays/production", "infra/k8s/overlays/with-datastores"];

describe("Redis users: compose and Kubernetes give each user the rules of infra/services/redis.sh", () => {
  const template = readFileSync(join(DATASTORES, "redis-users.acl.template"), "utf8");
  const passwords = {
    REDIS_ADMIN_PASSWORD: sample("admin"),
    REDIS_API_PASSWORD: sample("api"),
    REDIS_WORKER_PASSWORD: sample("worker"),
  };

  it.each(["arcade", "arcade-e2e-1"])(
    "the same users with the same rules, in order (prefix %s)",
    (prefix) => {
      const local = localScriptAcl(prefix);
      const { text, error } = renderAcl({ ...passwords, REDIS_KEY_PREFIX: prefix });
      expect(error).toBeUndefined();
      const rendered = parseAcl(text!).rules;
      expect([...rendered.keys()]).toEqual(["default", "arcade-admin", "arcade-api", "arcade-worker"]);
      expect([...rendered.keys()].sort()).toEqual([...local.keys()].sort());
      for (const [user, rules] of local) expect(rendered.get(user), user).toEqual(rules);
    },
  );

  it("stores only SHA-256 hashes of the passwords; default has one nobody was given", () => {
    const { text } = renderAcl(passwords);
    const { hashes } = parseAcl(text!);
    expect(hashes.get("arcade-admin")).toBe(sha256(passwords.REDIS_ADMIN_PASSWORD));
    expect(hashes.get("arcade-api")).toBe(sha256(passwords.REDIS_API_PASSWORD));
    expect(hashes.get("arcade-worker")).toBe(sha256(passwords.REDIS_WORKER_PASSWORD));
    for (const password of Object.values(passwords)) {
      expect(text).not.toContain(password);
      expect(hashes.get("default")).not.toBe(sha256(password));
    }
    expect(parseAcl(renderAcl(passwords).text!).hashes.get("default")).not.toBe(hashes.get("default"));
    expect(text).not.toContain("nopass");
    expect(text).not.toMatch(/\{\{/);
  });

  it("refuses a missing, short or non-alphanumeric password (so a placeholder never becomes one)", () => {
    for (const [name, bad] of [
      ["REDIS_API_PASSWORD", ""],
      ["REDIS_API_PASSWORD", "short1"],
      ["REDIS_WORKER_PASSWORD", "CHANGE-ME-redis-worker-password"],
      ["REDIS_ADMIN_PASSWORD", "has space in it 0123456789"],
    ] as const) {
      const { error } = renderAcl({ ...passwords, [name]: bad });
      expect(error, `${name}=${JSON.stringify(bad)}`).toContain(name);
    }
    expect(renderAcl({ ...passwords, REDIS_KEY_PREFIX: "a*b" }).error).toContain("REDIS_KEY_PREFIX");
  });

  it("the check sees a rule that differs (a scratch copy of the template with one rule dropped)", () => {
    const local = localScriptAcl("arcade");
    const broken = template.replace(" -publish", "");
    expect(broken).not.toBe(template);
    const rules = parseAcl(
      broken
        .split("\n")
        .filter((l) => l.startsWith("user "))
        .join("\n")
        .replace(/\{\{KEYS\}\}/g, "arcade*")
        .replace(/\{\{\w+_SHA\}\}/g, "0"),
    ).rules;
    expect(rules.get("arcade-api")).not.toEqual(local.get("arcade-api"));
    expect(rules.get("arcade-worker")).toEqual(local.get("arcade-worker"));
  });

  it("compose runs Redis with that file, from the same two files Kubernetes mounts", () => {
    const redis = compose.services.redis!;
    expect(redis.command?.slice(0, 3)).toEqual(["sh", "/etc/arcade/redis/redis-acl.sh", "/tmp/users.acl"]);
    expect(redis.command?.join(" ")).toContain("redis-server --appendonly yes --aclfile /tmp/users.acl");
    expect(redis.volumes).toEqual(
      expect.arrayContaining([
        "./k8s/components/datastores/redis-acl.sh:/etc/arcade/redis/redis-acl.sh:ro",
        "./k8s/components/datastores/redis-users.acl.template:/etc/arcade/redis/redis-users.acl.template:ro",
      ]),
    );
    const rendered = renderKustomization(join(ROOT, "infra/k8s/overlays/with-datastores"), ROOT);
    const cm = valuesOf(rendered, "ConfigMap", "arcade-redis-acl");
    expect(cm["redis-acl.sh"]).toBe(readFileSync(join(DATASTORES, "redis-acl.sh"), "utf8"));
    expect(cm["redis-users.acl.template"]).toBe(template);
    const sts = named(rendered, "StatefulSet", "arcade-redis");
    const [container] = podSpec(sts).containers;
    expect(container!.command).toEqual(["sh", "/etc/arcade/redis/redis-acl.sh", "/tmp/users.acl"]);
    expect(container!.args?.join(" ")).toContain("--aclfile /tmp/users.acl");
  });
});

describe("each platform process logs in to Redis as its own role's user", () => {
  /** The ACL file the Redis of a deployment writes, with the env that Redis gets. */
  const aclOf = (env: Record<string, string>) => {
    const { text, error } = renderAcl(env);
    expect(error).toBeUndefined();
    return parseAcl(text!).hashes;
  };
  const login = (url: string) => {
    const u = new URL(url);
    return { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  };

  it("compose: the api processes as arcade-api, the worker as arcade-worker, with the passwords Redis has", () => {
    const redisEnv = composeEnv(compose.services.redis!);
    const hashes = aclOf(redisEnv);
    expect(redisEnv.REDIS_KEY_PREFIX).toBe(composeEnv(platform[0]![1]).ARCADE_REDIS_KEY_PREFIX);
    for (const [name, s] of platform) {
      const env = composeEnv(s);
      const { user, password } = login(env.ARCADE_REDIS_URL!);
      expect(user, name).toBe(`arcade-${roleOf(s.command?.[0])}`);
      expect(sha256(password), `${name} logs in`).toBe(hashes.get(user));
    }
  });

  it.each(VARIANTS)("%s: every Deployment's URL names its role's user and a password", (dir) => {
    const rendered = renderKustomization(join(ROOT, dir), ROOT);
    const deployments = workloads(rendered, "Deployment");
    expect(deployments.length).toBe(2);
    for (const d of deployments) {
      const [container] = podSpec(d).containers;
      const env = containerEnv(rendered, d, container!);
      const role = roleOf(container!.args?.[0]);
      const { user, password } = login(env.ARCADE_REDIS_URL!);
      expect(user, d.metadata.name).toBe(`arcade-${role}`);
      expect(password.length, d.metadata.name).toBeGreaterThan(0);
      // Only its own password reaches the pod: no envFrom of the Redis users' Secret.
      expect(container!.envFrom?.some((e) => e.secretRef?.name === "arcade-redis-users")).toBe(false);
      const otherRole = role === "api" ? "worker-password" : "api-password";
      expect(JSON.stringify(container!.env)).not.toContain(otherRole);
    }
  });

  it("with-datastores: each Deployment's password is the one the in-cluster Redis was given", () => {
    const rendered = filled("infra/k8s/overlays/with-datastores");
    const redis = named(rendered, "StatefulSet", "arcade-redis");
    const hashes = aclOf(containerEnv(rendered, redis, podSpec(redis).containers[0]!));
    for (const d of workloads(rendered, "Deployment")) {
      const env = containerEnv(rendered, d, podSpec(d).containers[0]!);
      const { user, password } = login(env.ARCADE_REDIS_URL!);
      expect(sha256(password), `${d.metadata.name} logs in as ${user}`).toBe(hashes.get(user));
      expect(new URL(env.ARCADE_REDIS_URL!).host).toBe("arcade-redis:6379");
    }
  });

  it("no manifest passes a Redis URL without credentials, or the admin or default user", () => {
    const urls: [string, string][] = platform.map(([name, s]) => [
      `compose ${name}`,
      composeEnv(s).ARCADE_REDIS_URL!,
    ]);
    for (const dir of VARIANTS) {
      const rendered = renderKustomization(join(ROOT, dir), ROOT);
      for (const o of workloads(rendered, "Deployment")) {
        urls.push([
          `${dir} ${o.metadata.name}`,
          containerEnv(rendered, o, podSpec(o).containers[0]!).ARCADE_REDIS_URL!,
        ]);
      }
      // Nor a URL in a ConfigMap (they are not secret) or anywhere else in the objects.
      for (const { object } of rendered) {
        const found = JSON.stringify(object).match(/rediss?:\/\/[^"\s]+/g) ?? [];
        for (const url of found) urls.push([`${dir} ${object.kind} ${object.metadata.name}`, url]);
      }
    }
    // Any service's variables in compose, not only the platform's.
    for (const [name, service] of Object.entries(compose.services)) {
      for (const value of Object.values(composeEnv(service))) {
        for (const url of value.match(/rediss?:\/\/[^"\s]+/g) ?? []) urls.push([`compose ${name}`, url]);
      }
    }
    expect(urls.length).toBeGreaterThan(6);
    // The check itself: a URL without a user, or with the admin user, is caught.
    expect(["arcade-api", "arcade-worker"]).not.toContain(login("redis://redis:6379").user);
    expect(["arcade-api", "arcade-worker"]).not.toContain(login("redis://arcade-admin:x@redis:6379").user);
    for (const [where, url] of urls) {
      const { user, password } = login(url.replace(/\$\((\w+)\)/g, "x"));
      expect(["arcade-api", "arcade-worker"], `${where}: ${url}`).toContain(user);
      expect(password, `${where}: ${url}`).not.toBe("");
    }
  });
});

describe("MariaDB: the init creates the users the platform's config names, with mariadb.sh's rights", () => {
  const initScript = join(DATASTORES, "mariadb-init.sh");
  const good = {
    MARIADB_DATABASE: "arcade",
    MARIADB_ROOT_PASSWORD: sample("root"),
    DB_APP_USER: "arcade",
    DB_APP_PASSWORD: sample("app"),
    DB_READER_USER: "arcade_reader",
    DB_READER_PASSWORD: sample("reader"),
  };
  /** Sources the script as the image's entrypoint does, docker_process_sql printing the SQL. */
  const runInit = (env: Record<string, string>) =>
    spawnSync("bash", ["-c", `docker_process_sql() { cat; }\n. "$0"`, initScript], {
      // stdin not a socket: bash would take itself for an ssh session and read ~/.bashrc.
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, ...env },
      encoding: "utf8",
    });
  const localRights = () => {
    const match = read("infra/services/mariadb.sh").match(/local rights="([^"]+)"/);
    if (!match) throw new Error("infra/services/mariadb.sh has no rights line");
    return match[1];
  };

  it("is sourced, not executed, by the image (not executable: docker_process_sql exists only then)", () => {
    expect(statSync(initScript).mode & 0o111).toBe(0);
  });

  it("creates the app user with the local script's rights on the database only, and a SELECT-only reader", () => {
    const result = runInit(good);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const sql = result.stdout;
    expect(sql).toContain(`CREATE USER 'arcade'@'%' IDENTIFIED BY '${good.DB_APP_PASSWORD}';`);
    expect(sql).toContain(`GRANT ${localRights()} ON \`arcade\`.* TO 'arcade'@'%';`);
    expect(sql).toContain(`CREATE USER 'arcade_reader'@'%' IDENTIFIED BY '${good.DB_READER_PASSWORD}';`);
    expect(sql).toContain("GRANT SELECT ON `arcade`.* TO 'arcade_reader'@'%';");
    expect(sql).not.toMatch(/ALL PRIVILEGES|GRANT OPTION|\*\.\*/);
  });

  it("refuses a placeholder or unsafe password or name, before any SQL", () => {
    for (const [name, bad] of [
      ["DB_APP_PASSWORD", "CHANGE-ME-mysql-password"],
      ["DB_READER_PASSWORD", ""],
      ["MARIADB_ROOT_PASSWORD", "x'; DROP USER root; --0123456789"],
      ["DB_APP_USER", "arcade'@'%"],
    ] as const) {
      const result = runInit({ ...good, [name]: bad });
      expect(result.status, name).not.toBe(0);
      expect(result.stderr, name).toContain(name);
      expect(result.stdout, name).toBe("");
    }
  });

  it("compose: the database, user and password the platform uses are the ones the init gets", () => {
    const db = compose.services.mariadb!;
    const dbEnv = composeEnv(db);
    expect(db.volumes).toContain(
      "./k8s/components/datastores/mariadb-init.sh:/docker-entrypoint-initdb.d/mariadb-init.sh:ro",
    );
    expect(dbEnv.MARIADB_ROOT_HOST).toBe("localhost");
    expect(Object.keys(dbEnv).filter((k) => /^(MYSQL|MARIADB)_(USER|PASSWORD)$/.test(k))).toEqual([]);
    expect(runInit(dbEnv).status).toBe(0);
    for (const [name, s] of platform) {
      const env = composeEnv(s);
      expect(env.ARCADE_DATABASE_HOST, name).toBe("mariadb");
      expect(env.ARCADE_DATABASE_USER, name).toBe(dbEnv.DB_APP_USER);
      expect(env.ARCADE_DATABASE_PASSWORD, name).toBe(dbEnv.DB_APP_PASSWORD);
      expect(env.ARCADE_DATABASE_DATABASE, name).toBe(dbEnv.MARIADB_DATABASE);
      // The runtime nodes read as the SELECT-only user the init makes.
      expect(env.ARCADE_DATABASE_READER_USER, name).toBe(dbEnv.DB_READER_USER);
      expect(env.ARCADE_DATABASE_READER_PASSWORD, name).toBe(dbEnv.DB_READER_PASSWORD);
    }
    expect(dbEnv.DB_READER_USER).toBe("arcade_reader");
    expect(dbEnv.DB_READER_PASSWORD).toMatch(/\S/);
    expect(dbEnv.DB_READER_PASSWORD).not.toBe(dbEnv.DB_APP_PASSWORD);
  });

  it("with-datastores: the same for the MariaDB StatefulSet and both Deployments", () => {
    const rendered = filled("infra/k8s/overlays/with-datastores");
    const sts = named(rendered, "StatefulSet", "arcade-mariadb");
    const spec = podSpec(sts);
    const dbEnv = containerEnv(rendered, sts, spec.containers[0]!);
    expect(runInit(dbEnv).status).toBe(0);
    expect(dbEnv.MARIADB_ROOT_HOST).toBe("localhost");
    const init = spec.volumes?.find((v) => v.configMap?.name === "arcade-mariadb-init");
    expect(spec.containers[0]!.volumeMounts).toContainEqual(
      expect.objectContaining({ name: init?.name, mountPath: "/docker-entrypoint-initdb.d" }),
    );
    expect(valuesOf(rendered, "ConfigMap", "arcade-mariadb-init")["mariadb-init.sh"]).toBe(
      readFileSync(initScript, "utf8"),
    );
    for (const d of workloads(rendered, "Deployment")) {
      const env = containerEnv(rendered, d, podSpec(d).containers[0]!);
      expect(env.ARCADE_DATABASE_HOST).toBe("arcade-mariadb");
      expect(env.ARCADE_DATABASE_USER).toBe(dbEnv.DB_APP_USER);
      expect(env.ARCADE_DATABASE_PASSWORD).toBe(dbEnv.DB_APP_PASSWORD);
      expect(env.ARCADE_DATABASE_DATABASE).toBe(dbEnv.MARIADB_DATABASE);
      expect(env.ARCADE_DATABASE_READER_USER).toBe(dbEnv.DB_READER_USER);
      expect(env.ARCADE_DATABASE_READER_PASSWORD).toBe(dbEnv.DB_READER_PASSWORD);
    }
    expect(dbEnv.DB_READER_USER).toBe("arcade_reader");
    expect(dbEnv.DB_READER_PASSWORD).toMatch(/\S/);
    expect(dbEnv.DB_READER_PASSWORD).not.toBe(dbEnv.DB_APP_PASSWORD);
  });
});

describe("object store: the runtime nodes get a read-only key, the writer key only the api and worker", () => {
  const READER_KEYS = [
    "ARCADE_STORAGE_S3_READER_ACCESS_KEY_ID",
    "ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY",
  ];
  const WRITER_KEYS = ["ARCADE_STORAGE_S3_ACCESS_KEY_ID", "ARCADE_STORAGE_S3_SECRET_ACCESS_KEY"];
  const policy = JSON.parse(read("infra/docker/minio-reader-policy.json")) as {
    Statement: { Effect: string; Action: string[]; Resource: string[] }[];
  };
  /** Every `mc` call of minio-init, split into words, `$$VAR` resolved from its environment. */
  const minioInit = () => {
    const init = compose.services["minio-init"]!;
    const env = composeEnv(init);
    const script = (init.command ?? [])
      .join(" ")
      .replace(/\$\$(\w+)/g, (_m, name: string) => env[name] ?? "");
    return script.split("&&").map((call) =>
      call
        .trim()
        .split(/\s+/)
        .map((word) => word.replace(/^"(.*)"$/, "$1")),
    );
  };

  it("the policy minio-init attaches allows GetObject on the platform's bucket and nothing else", () => {
    const bucket = composeEnv(platform[0]![1]).ARCADE_STORAGE_S3_BUCKET;
    expect(policy.Statement).toEqual([
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ]);
    expect(compose.services["minio-init"]!.volumes).toContain(
      "./docker/minio-reader-policy.json:/etc/arcade/minio/reader-policy.json:ro",
    );
  });

  it("compose: minio-init makes the reader the nodes log in as, with their password, and attaches that policy", () => {
    const calls = minioInit();
    const add = calls.find((c) => c.slice(0, 4).join(" ") === "mc admin user add");
    const create = calls.find((c) => c.slice(0, 4).join(" ") === "mc admin policy create");
    const attach = calls.find((c) => c.slice(0, 4).join(" ") === "mc admin policy attach");
    expect(create?.slice(4)).toEqual(["local", "arcade-reader", "/etc/arcade/minio/reader-policy.json"]);
    expect(attach?.slice(4)).toEqual(["local", "arcade-reader", "--user", add?.[5]]);
    const nodes = platform.filter(([, s]) => roleOf(s.command?.[0]) === "api");
    expect(nodes.length).toBe(2);
    for (const [name, s] of nodes) {
      const env = composeEnv(s);
      expect(add?.slice(4), name).toEqual([
        "local",
        env.ARCADE_STORAGE_S3_READER_ACCESS_KEY_ID,
        env.ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY,
      ]);
      expect(env.ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY, name).not.toBe(
        env.ARCADE_STORAGE_S3_SECRET_ACCESS_KEY,
      );
      // The configuration the node loads has the reader key (packages/platform builds its store from it).
      const { storage } = loadConfig({ env, cwd: scratch });
      expect(storage.s3ReaderAccessKeyId, name).toBe("arcade-reader");
    }
  });

  it("compose: the worker gets no reader key; the writer key and the reader's password reach no one else", () => {
    const reader = composeEnv(compose.services["minio-init"]!).MINIO_READER_PASSWORD!;
    const writer = composeEnv(platform[0]![1]).ARCADE_STORAGE_S3_SECRET_ACCESS_KEY!;
    const holders = (secret: string) =>
      Object.entries(compose.services)
        .filter(([, s]) => Object.values(composeEnv(s)).some((v) => v.includes(secret)))
        .map(([name]) => name)
        .sort();
    expect(holders(reader)).toEqual(["api-1", "api-2", "minio-init"]);
    // MinIO's root password is the platform's writer key here: MinIO, its init, the api and worker.
    expect(holders(writer)).toEqual(["api-1", "api-2", "minio", "minio-init", "worker"]);
    for (const [name, s] of platform) {
      const env = composeEnv(s);
      for (const key of WRITER_KEYS) expect(env[key], `${name} ${key}`).toBeTruthy();
      if (roleOf(s.command?.[0]) === "worker") {
        for (const key of READER_KEYS) expect(env, name).not.toHaveProperty(key);
      }
    }
  });

  it.each(VARIANTS)(
    "%s: the api pods get the reader key by reference, the worker never; the writer key only the two",
    (dir) => {
      const rendered = filled(dir);
      const reader = valuesOf(rendered, "Secret", "arcade-s3-reader");
      for (const d of workloads(rendered, "Deployment")) {
        const [container] = podSpec(d).containers;
        const env = containerEnv(rendered, d, container!);
        const role = roleOf(container!.args?.[0]);
        expect(container!.envFrom?.some((e) => e.secretRef?.name === "arcade-s3-reader")).toBe(false);
        for (const key of WRITER_KEYS) expect(env[key], `${d.metadata.name} ${key}`).toBeTruthy();
        if (role === "api") {
          expect(env.ARCADE_STORAGE_S3_READER_ACCESS_KEY_ID).toBe(reader["access-key-id"]);
          expect(env.ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY).toBe(reader["secret-access-key"]);
          expect(env.ARCADE_STORAGE_S3_READER_SECRET_ACCESS_KEY).not.toBe(
            env.ARCADE_STORAGE_S3_SECRET_ACCESS_KEY,
          );
        } else {
          for (const key of READER_KEYS) expect(env, d.metadata.name).not.toHaveProperty(key);
          expect(JSON.stringify(container), d.metadata.name).not.toContain("arcade-s3-reader");
        }
      }
      // No other workload (the datastores' StatefulSets) gets either key.
      for (const o of workloads(rendered, "StatefulSet")) {
        const env = containerEnv(rendered, o, podSpec(o).containers[0]!);
        for (const key of [...READER_KEYS, ...WRITER_KEYS])
          expect(env, o.metadata.name).not.toHaveProperty(key);
      }
    },
  );
});

describe("secrets come from Secrets or the env file, never from a default or the image", () => {
  it("compose: every password, secret and the admin token must be set in infra/.env (no default)", () => {
    const uses = [...composeText.matchAll(/\$\{(\w+)(?::([?-])[^}]*)?\}/g)].map((m) => ({
      name: m[1]!,
      op: m[2],
    }));
    const secret = uses.filter((u) => /PASSWORD|SECRET|ADMIN_TOKEN/.test(u.name));
    expect(secret.length).toBeGreaterThan(10);
    for (const u of secret) expect(u.op, u.name).toBe("?");
    // new-env.sh makes every one of them.
    const made = new Set([...read("infra/docker/new-env.sh").matchAll(/^(\w+)=\$\(hex/gm)].map((m) => m[1]));
    for (const u of secret) expect(made.has(u.name), `new-env.sh makes ${u.name}`).toBe(true);
  });

  it("compose: the cluster secret reaches every platform process from infra/.env", () => {
    for (const [name, s] of platform) {
      expect(s.environment?.ARCADE_CLUSTER_SECRET, name).toMatch(/^\$\{ARCADE_CLUSTER_SECRET:\?/);
    }
  });

  it.each(VARIANTS)("%s: the cluster secret comes from a Secret; every Secret holds placeholders", (dir) => {
    const rendered = renderKustomization(join(ROOT, dir), ROOT);
    for (const d of workloads(rendered, "Deployment")) {
      const [container] = podSpec(d).containers;
      const fromSecrets = (container!.envFrom ?? [])
        .filter((e) => e.secretRef)
        .some((e) => "ARCADE_CLUSTER_SECRET" in valuesOf(rendered, "Secret", e.secretRef!.name));
      expect(fromSecrets, d.metadata.name).toBe(true);
      expect(container!.env?.some((e) => e.name === "ARCADE_CLUSTER_SECRET")).toBe(false);
    }
    for (const { object } of rendered) {
      if (object.kind === "ConfigMap") {
        expect(Object.keys((object.data ?? {}) as object), object.metadata.name).not.toContain(
          "ARCADE_CLUSTER_SECRET",
        );
      }
      if (object.kind !== "Secret") continue;
      for (const [key, value] of Object.entries(object.stringData as Record<string, string>)) {
        if (key !== "ARCADE_AUTH_TOKENS")
          expect(value, `${object.metadata.name} ${key}`).toContain("CHANGE-ME");
      }
    }
  });

  it("the image carries no secret: none set in the Dockerfile, infra/.env outside the build context", () => {
    const dockerfile = read("infra/docker/Dockerfile");
    expect(dockerfile).not.toMatch(/CLUSTER_SECRET|PASSWORD|ADMIN_TOKEN/);
    expect(read("infra/docker/Dockerfile.dockerignore").split("\n")).toContain("**/.env");
  });
});
