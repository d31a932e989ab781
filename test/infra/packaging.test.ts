import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CONFIG_KEYS, loadConfig } from "@arcade/config";
import { createMetrics } from "@arcade/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { containerEnv, type EnvFrom, type EnvVar, named } from "./k8s-env.js";
import { validateK8sObject } from "./k8s-validate.js";
import { type K8sObject, type Rendered, renderKustomization } from "./kustomize.js";
import { promqlRefs } from "./promql-names.js";

/**
 * infra/ as far as this machine can check it without a container engine or a cluster: every
 * Kubernetes object against the Kubernetes schemas (kubernetes-models, offline, unknown fields
 * refused), the cross references between the objects, the same ARCADE_* keys in compose and
 * Kubernetes (each a real key of packages/config, each value accepted by it), the Dockerfile's
 * shape, the image's healthcheck script, and the Grafana dashboard's queries against the
 * metrics packages/telemetry defines.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const exec = promisify(execFile);

/** ARCADE_* variables read on purpose that are not config keys (packages/config: isKnownExtraEnv). */
const EXTRA_ENV = new Set(["ARCADE_ADMIN_TOKEN"]);
const CONFIG_ENV = new Map(CONFIG_KEYS.map((k) => [k.env, k]));

function objectsOf(rendered: Rendered[], kind: string): K8sObject[] {
  return rendered.filter((r) => r.object.kind === kind).map((r) => r.object);
}

interface Container {
  name: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: EnvFrom[];
  env?: EnvVar[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  image?: string;
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean } };
}

const podTemplate = (d: K8sObject) => (d.spec as { template: PodTemplate }).template;
const containerOf = (d: K8sObject) => podTemplate(d).spec.containers[0]!;

function matchesSelector(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The variables a Deployment's first container gets, with values. */
function deploymentEnv(rendered: Rendered[], deployment: K8sObject): Record<string, string> {
  return containerEnv(rendered, deployment, containerOf(deployment));
}

function problemsOf(rendered: Rendered[]): string[] {
  return rendered.flatMap(({ object, file }) =>
    validateK8sObject(object).map((p) => `${file}: ${object.kind} ${object.metadata?.name}: ${p}`),
  );
}

describe("kubernetes manifests (infra/k8s)", () => {
  const base = renderKustomization(join(ROOT, "infra/k8s/base"), ROOT);
  const production = renderKustomization(join(ROOT, "infra/k8s/overlays/production"), ROOT);
  const withDatastores = renderKustomization(join(ROOT, "infra/k8s/overlays/with-datastores"), ROOT);

  it.each([
    ["base", base],
    ["overlays/production", production],
    ["overlays/with-datastores", withDatastores],
  ])("%s: every object is valid against the Kubernetes schemas, with no unknown field", (_name, rendered) => {
    expect(rendered.length).toBeGreaterThan(0);
    expect(problemsOf(rendered)).toEqual([]);
    const ids = rendered.map(
      ({ object }) => `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`,
    );
    expect(new Set(ids).size, "two objects of one kind with one name").toBe(ids.length);
  });

  it("the check fails on a broken manifest (a scratch copy with a typo and a wrong type)", () => {
    const scratch = mkdtempSync(join(tmpdir(), "arcade-k8s-"));
    try {
      cpSync(join(ROOT, "infra/k8s"), join(scratch, "infra/k8s"), { recursive: true });
      const file = join(scratch, "infra/k8s/base/api-deployment.yaml");
      const text = readFileSync(file, "utf8");
      expect(text).toContain("readinessProbe:");
      expect(text).toContain("replicas: 2");
      writeFileSync(
        file,
        text.replace("readinessProbe:", "readinesProbe:").replace("replicas: 2", 'replicas: "two"'),
      );
      const problems = problemsOf(renderKustomization(join(scratch, "infra/k8s/base"), scratch));
      expect(problems.join("\n")).toMatch(/spec\/replicas must be integer/);
      // The schema error alone stops the validator early; fix it to see the unknown field.
      writeFileSync(file, text.replace("readinessProbe:", "readinesProbe:"));
      const again = problemsOf(renderKustomization(join(scratch, "infra/k8s/base"), scratch));
      expect(again).toEqual([
        "infra/k8s/base/api-deployment.yaml: Deployment arcade-api: unknown field /spec/template/spec/containers/0/readinesProbe (the Kubernetes schema has no such field)",
      ]);
      // And a kustomization pointing at a file that is not there.
      const k = join(scratch, "infra/k8s/base/kustomization.yaml");
      writeFileSync(k, readFileSync(k, "utf8").replace("worker-pdb.yaml", "worker-pbd.yaml"));
      expect(() => renderKustomization(join(scratch, "infra/k8s/base"), scratch)).toThrow(
        "resource worker-pbd.yaml does not exist",
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("selectors, config references and probe ports point at what exists", () => {
    const deployments = objectsOf(base, "Deployment");
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(["arcade-api", "arcade-worker"]);
    for (const d of deployments) {
      const spec = d.spec as { selector: { matchLabels: Record<string, string> } };
      const template = podTemplate(d);
      expect(matchesSelector(template.metadata.labels, spec.selector.matchLabels), d.metadata.name).toBe(
        true,
      );
      expect(template.spec.securityContext?.runAsNonRoot, d.metadata.name).toBe(true);
      const container = containerOf(d);
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef) named(base, "ConfigMap", source.configMapRef.name);
        if (source.secretRef) named(base, "Secret", source.secretRef.name);
      }
      const portNames = new Set((container.ports ?? []).map((p) => p.name));
      for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
        expect(probe?.httpGet, `${d.metadata.name} has all three probes`).toBeDefined();
        const port = probe!.httpGet!.port;
        if (typeof port === "string")
          expect(portNames.has(port), `${d.metadata.name} port ${port}`).toBe(true);
      }
    }
    for (const kind of ["Service", "PodDisruptionBudget"]) {
      for (const o of objectsOf(base, kind)) {
        const spec = o.spec as { selector: Record<string, string> | { matchLabels: Record<string, string> } };
        const selector =
          "matchLabels" in spec.selector
            ? (spec.selector.matchLabels as Record<string, string>)
            : spec.selector;
        const targets = deployments.filter((d) => matchesSelector(podTemplate(d).metadata.labels, selector));
        expect(targets.length, `${kind} ${o.metadata.name} selects one deployment`).toBe(1);
        if (kind === "Service") {
          const names = new Set((containerOf(targets[0]!).ports ?? []).map((p) => p.name));
          for (const port of (o.spec as { ports: { targetPort: string | number }[] }).ports) {
            if (typeof port.targetPort === "string") expect(names.has(port.targetPort)).toBe(true);
          }
        }
      }
    }
    expect(objectsOf(base, "PodDisruptionBudget").map((p) => p.metadata.name)).toContain("arcade-api");
    expect(objectsOf(base, "Service").map((s) => s.metadata.name)).toContain("arcade-api");
    for (const o of base.map((r) => r.object)) {
      if (o.kind !== "Namespace") expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe("arcade");
    }
  });

  it("api: readiness on /readyz and liveness on /healthz; worker: both on its metrics port", () => {
    const env = deploymentEnv(base, named(base, "Deployment", "arcade-api"));
    const api = containerOf(named(base, "Deployment", "arcade-api"));
    expect(api.args).toEqual(["api"]);
    expect(api.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(api.livenessProbe?.httpGet?.path).toBe("/healthz");
    const http = api.ports?.find((p) => p.name === api.readinessProbe?.httpGet?.port);
    expect(String(http?.containerPort)).toBe(env.ARCADE_SERVER_PORT);

    const worker = containerOf(named(base, "Deployment", "arcade-worker"));
    expect(worker.args).toEqual(["worker"]);
    expect(worker.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(worker.livenessProbe?.httpGet?.path).toBe("/healthz");
    const metrics = worker.ports?.find((p) => p.name === worker.livenessProbe?.httpGet?.port);
    expect(String(metrics?.containerPort)).toBe(env.ARCADE_WORKER_METRICS_PORT);
  });

  it("overlays/production: the HPA scales the api Deployment, which no longer fixes its replicas", () => {
    expect(objectsOf(base, "HorizontalPodAutoscaler")).toEqual([]);
    const [hpa] = objectsOf(production, "HorizontalPodAutoscaler");
    const target = (hpa!.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
    const api = named(production, target.kind, target.name);
    expect((api.spec as { replicas?: number }).replicas).toBeUndefined();
    expect((named(base, "Deployment", "arcade-api").spec as { replicas?: number }).replicas).toBe(2);
    expect(containerOf(api).image).toBe("registry.example.com/arcade/arcade-platform:0.1.0");
  });

  it("secret keys are in the Secret only, and the Secret holds only placeholders", () => {
    const secretEnv = new Set(CONFIG_KEYS.filter((k) => k.schema.secret === true).map((k) => k.env));
    const cm = named(base, "ConfigMap", "arcade-config").data as Record<string, string>;
    const secret = named(base, "Secret", "arcade-secrets").stringData as Record<string, string>;
    expect(Object.keys(cm).filter((k) => secretEnv.has(k))).toEqual([]);
    for (const key of Object.keys(secret)) {
      expect(secretEnv.has(key) || EXTRA_ENV.has(key), `${key} is a secret config key`).toBe(true);
    }
    for (const [key, value] of Object.entries(secret)) {
      if (key !== "ARCADE_AUTH_TOKENS") expect(value, key).toContain("CHANGE-ME");
    }
  });
});

/** Compose `${VAR:?msg}` / `${VAR:-default}` / `${VAR}` with samples, as `docker compose` would. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, _name: string, op?: string, arg?: string) =>
    op === "-" ? (arg ?? "") : "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
  );
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, unknown>;
}

describe("compose (infra/docker-compose.yml) and kubernetes set the same configuration", () => {
  const compose = parse(read("infra/docker-compose.yml"), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const services = compose.services;
  const platform = Object.entries(services).filter(
    ([, s]) => s.build?.dockerfile === "infra/docker/Dockerfile",
  );
  const composeEnv = (s: ComposeService) =>
    Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
  const base = renderKustomization(join(ROOT, "infra/k8s/base"), ROOT);
  const k8sEnv = {
    api: deploymentEnv(base, named(base, "Deployment", "arcade-api")),
    worker: deploymentEnv(base, named(base, "Deployment", "arcade-worker")),
  };

  it("runs two api processes and a worker from the Dockerfile's image", () => {
    const commands = platform.map(([name, s]) => `${name}:${s.command?.join(" ")}`).sort();
    expect(commands).toEqual(["api-1:api", "api-2:api", "worker:worker"]);
  });

  it("every platform process in both gets the same ARCADE_* keys", () => {
    const keys = (env: Record<string, string>) =>
      Object.keys(env)
        .filter((k) => k.startsWith("ARCADE_"))
        .sort();
    for (const [name, s] of platform) {
      const process = s.command?.[0] === "worker" ? "worker" : "api";
      expect(keys(composeEnv(s)), `compose ${name} vs kubernetes ${process}`).toEqual(keys(k8sEnv[process]));
    }
  });

  it("every ARCADE_* variable is a key of packages/config", () => {
    const used = new Set([
      ...platform.flatMap(([, s]) => Object.keys(s.environment ?? {})),
      ...Object.keys(k8sEnv.api),
      ...Object.keys(k8sEnv.worker),
    ]);
    const unknown = [...used].filter(
      (k) => k.startsWith("ARCADE_") && !CONFIG_ENV.has(k) && !EXTRA_ENV.has(k),
    );
    expect(unknown).toEqual([]);
    // The CLI service uses the CLI's own two variables, nothing else.
    expect(Object.keys(services.cli?.environment ?? {}).sort()).toEqual(["ARCADE_API_URL", "ARCADE_TOKEN"]);
  });

  it("packages/config accepts every value they set (types, ports, durations, URLs)", () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcade-packaging-config-"));
    try {
      const envs = {
        ...Object.fromEntries(platform.map(([name, s]) => [`compose ${name}`, composeEnv(s)])),
        "kubernetes api": k8sEnv.api,
        "kubernetes worker": k8sEnv.worker,
      };
      for (const [where, env] of Object.entries(envs)) {
        const config = loadConfig({ env, cwd });
        expect(
          config.warnings.filter((w) => w.includes("unknown")),
          where,
        ).toEqual([]);
        expect(config.database.type, where).toBe("mysql");
        expect(config.storage.type, where).toBe("s3");
        // Each process logs in to Redis as its role's ACL user (test/infra/datastores.test.ts).
        const role = where.includes("worker") ? "arcade-worker" : "arcade-api";
        expect(config.redis.url, where).toMatch(new RegExp(`^redis://${role}:[A-Za-z0-9-]{16,}@`));
        expect(
          config.auth.tokens.map((t) => t.name),
          where,
        ).toEqual(["bootstrap"]);
        // Reload events and heartbeats are signed.
        expect(config.cluster.secret.length, where).toBeGreaterThanOrEqual(32);
        expect(config.worker.metricsPort, where).toBe(9464);
        // The jobs must finish before the orchestrator's SIGKILL.
        expect(config.worker.shutdownTimeout, where).toBeLessThan(30_000);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("Redis runs with the ACL file; published ports are the configured ones", () => {
    const redis = services.redis!;
    expect(redis.command?.join(" ")).toContain("--aclfile /tmp/users.acl");
    for (const [name, s] of platform) {
      const env = composeEnv(s);
      const port = s.command?.[0] === "worker" ? env.ARCADE_WORKER_METRICS_PORT : env.ARCADE_SERVER_PORT;
      expect(
        s.ports?.some((p) => p.endsWith(`:${port}`)),
        `${name} publishes ${port}`,
      ).toBe(true);
      for (const dependency of Object.keys(s.depends_on ?? {}))
        expect(services[dependency], dependency).toBeDefined();
    }
    expect(services["minio-init"]?.command?.join(" ")).toContain(
      "mc mb --ignore-existing local/arcade-plugins",
    );
  });
});

describe("the image (infra/docker)", () => {
  const dockerfile = read("infra/docker/Dockerfile");
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const stages = instructions.filter((l) => /^FROM /i.test(l));
  const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));

  it("builds in stages and runs compiled JavaScript on Node 26 as a non-root user, with a HEALTHCHECK", () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(instructions).toContain("ARG NODE_IMAGE=node:26-bookworm-slim");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile line, not a template
    expect(stages.at(-1)).toBe("FROM ${NODE_IMAGE} AS runtime");
    const user = runtime.find((l) => l.startsWith("USER "));
    expect(user).toBe("USER node");
    expect(runtime.some((l) => l.startsWith("HEALTHCHECK "))).toBe(true);
    expect(runtime.find((l) => l.startsWith("ENTRYPOINT"))).toBe(
      'ENTRYPOINT ["/app/infra/docker/entrypoint.sh"]',
    );
    // The runtime stage takes nothing from the build context but the two scripts.
    const fromContext = runtime.filter((l) => l.startsWith("COPY ") && !l.includes("--from="));
    expect(fromContext).toEqual([
      "COPY --chmod=755 infra/docker/entrypoint.sh infra/docker/healthcheck.mjs infra/docker/",
    ]);
    expect(instructions.filter((l) => /\btsx\b/.test(l))).toEqual([]);
    expect(instructions.some((l) => l.includes("pnpm install --prod"))).toBe(true);
    expect(instructions.some((l) => l.startsWith("RUN pnpm run build"))).toBe(true);
  });

  it("the production install and collect.sh select the same runtime projects", () => {
    const filters = (text: string) => [...text.matchAll(/--filter "([^"]+)"/g)].map((m) => m[1]).sort();
    expect(filters(dockerfile)).toEqual(["@arcade/api...", "@arcade/cli...", "@arcade/worker..."]);
    expect(filters(read("infra/docker/collect.sh"))).toEqual(filters(dockerfile));
  });

  it("the entry point starts each app's compiled main, whose source exists", () => {
    const entry = read("infra/docker/entrypoint.sh");
    for (const app of ["api", "worker", "cli"]) {
      expect(entry).toContain(`${app}) exec node --enable-source-maps apps/${app}/dist/main.js "$@" ;;`);
      expect(existsSync(join(ROOT, `apps/${app}/src/main.ts`)), app).toBe(true);
    }
  });

  it("the build context leaves host builds out (node_modules, dist, tsbuildinfo)", () => {
    const ignore = read("infra/docker/Dockerfile.dockerignore").split("\n");
    for (const pattern of ["**/node_modules", "**/dist", "**/*.tsbuildinfo", ".git", ".data", ".tools"]) {
      expect(ignore, pattern).toContain(pattern);
    }
  });
});

describe("the image's healthcheck (infra/docker/healthcheck.mjs)", () => {
  let server: Server;
  let port: number;
  let status = 200;
  const scratch = mkdtempSync(join(tmpdir(), "arcade-healthcheck-"));
  const script = join(ROOT, "infra/docker/healthcheck.mjs");

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === "/readyz" ? status : 404).end(`{"path":"${req.url}"}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Runs the script against a fake process table holding `cmdline` (or none); answers the exit code. */
  async function check(cmdline: string[] | null, env: Record<string, string>): Promise<number> {
    const proc = mkdtempSync(join(scratch, "proc-"));
    if (cmdline) {
      mkdirSync(join(proc, "7"));
      writeFileSync(join(proc, "7", "cmdline"), `${cmdline.join("\0")}\0`);
    }
    try {
      await exec(process.execPath, [script], {
        env: { PATH: process.env.PATH, ARCADE_HEALTHCHECK_PROC: proc, ...env },
      });
      return 0;
    } catch (error) {
      return (error as { code: number }).code;
    }
  }
  const api = ["node", "--enable-source-maps", "apps/api/dist/main.js"];
  const worker = ["node", "--enable-source-maps", "apps/worker/dist/main.js"];

  it("asks the api's /readyz on ARCADE_SERVER_PORT", async () => {
    status = 200;
    expect(await check(api, { ARCADE_SERVER_PORT: String(port) })).toBe(0);
    status = 503;
    expect(await check(api, { ARCADE_SERVER_PORT: String(port) })).toBe(1);
  });

  it("asks the worker's /readyz on ARCADE_WORKER_METRICS_PORT", async () => {
    status = 200;
    expect(await check(worker, { ARCADE_WORKER_METRICS_PORT: String(port), ARCADE_SERVER_PORT: "1" })).toBe(
      0,
    );
    status = 503;
    expect(await check(worker, { ARCADE_WORKER_METRICS_PORT: String(port) })).toBe(1);
  });

  it("is unhealthy when nothing answers, healthy when there is nothing to ask", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await check(api, { ARCADE_SERVER_PORT: String(closedPort) })).toBe(1);
    expect(await check(["node", "apps/cli/dist/main.js", "list"], {})).toBe(0);
    expect(await check(null, {})).toBe(0);
    expect(await check(worker, { ARCADE_WORKER_METRICS_PORT: "0" })).toBe(0);
  });
});

describe("the Grafana dashboard (infra/grafana/arcade-platform.json)", () => {
  const dashboard = JSON.parse(read("infra/grafana/arcade-platform.json")) as {
    uid: string;
    panels: { id: number; type: string; title: string; targets?: { expr: string }[] }[];
  };
  const targets = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );

  /** Every series name a process of the platform can expose, with its label names. */
  async function exposedMetrics(): Promise<Map<string, Set<string>>> {
    const { registry } = createMetrics();
    const names = new Map<string, Set<string>>();
    for (const metric of await registry.getMetricsAsJSON()) {
      const labels = new Set(
        (registry.getSingleMetric(metric.name) as { labelNames?: string[] }).labelNames ?? [],
      );
      if (String(metric.type) === "histogram") {
        names.set(`${metric.name}_bucket`, new Set([...labels, "le"]));
        names.set(`${metric.name}_sum`, labels);
        names.set(`${metric.name}_count`, labels);
      } else {
        names.set(metric.name, labels);
      }
    }
    return names;
  }

  it("every query names only metrics packages/telemetry defines, with labels they have", async () => {
    const exposed = await exposedMetrics();
    // Labels Prometheus adds to every scraped series.
    const targetLabels = ["instance", "job"];
    expect(targets.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const { panel, expr } of targets) {
      const refs = promqlRefs(expr);
      if (refs.metrics.length === 0) problems.push(`${panel}: no metric in ${expr}`);
      for (const metric of refs.metrics) {
        if (!exposed.has(metric)) problems.push(`${panel}: ${metric} is not defined by packages/telemetry`);
      }
      for (const { metric, label } of refs.selectorLabels) {
        if (exposed.has(metric) && !exposed.get(metric)!.has(label) && !targetLabels.includes(label)) {
          problems.push(`${panel}: ${metric} has no label ${label}`);
        }
      }
      const available = new Set([
        ...refs.metrics.flatMap((m) => [...(exposed.get(m) ?? [])]),
        ...targetLabels,
      ]);
      for (const label of refs.groupingLabels) {
        if (!available.has(label)) problems.push(`${panel}: no metric of the query has label ${label}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("the name check fails on a metric or label that does not exist", async () => {
    const exposed = await exposedMetrics();
    const refs = promqlRefs('sum by (typ) (rate(arcade_job_totals{state="failed"}[$__rate_interval]))');
    expect(refs.metrics).toEqual(["arcade_job_totals"]);
    expect(exposed.has("arcade_job_totals")).toBe(false);
    expect(refs.groupingLabels).toEqual(["typ"]);
    expect(exposed.get("arcade_jobs_total")?.has("typ")).toBe(false);
  });

  it("has panels for HTTP, jobs, plugins, convergence and process memory", () => {
    const used = new Set(targets.flatMap((t) => promqlRefs(t.expr).metrics));
    for (const metric of [
      "arcade_http_requests_total",
      "arcade_http_request_duration_seconds_bucket",
      "arcade_jobs_total",
      "arcade_job_duration_seconds_bucket",
      "arcade_job_step_duration_seconds_bucket",
      "arcade_plugin_action_calls_total",
      "arcade_plugin_action_duration_seconds_bucket",
      "arcade_plugins_loaded",
      "arcade_node_applied_revision",
      "arcade_process_resident_memory_bytes",
    ]) {
      expect(used.has(metric), metric).toBe(true);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.uid).toBe("arcade-platform");
  });
});
