import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

/**
 * The part of kustomize that infra/k8s uses, so the rendered objects can be checked without the
 * kustomize binary: resources (files and directories), components, namespace, images, inline
 * JSON 6902 patches, and ConfigMaps generated from files with fixed names. A kustomization field outside that set is an error, never ignored,
 * so the check cannot silently skip something kubectl would apply.
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** An object and the file it came from (for messages). */
export interface Rendered {
  object: K8sObject;
  file: string;
}

const SUPPORTED = new Set([
  "apiVersion",
  "kind",
  "namespace",
  "resources",
  "components",
  "images",
  "patches",
  "configMapGenerator",
  "generatorOptions",
]);
/** Kinds without a namespace among those infra/k8s may contain. */
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass"]);

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  components?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { target: { kind?: string; name?: string }; patch: string }[];
  configMapGenerator?: { name: string; files?: string[]; [key: string]: unknown }[];
  generatorOptions?: { disableNameSuffixHash?: boolean; [key: string]: unknown };
}

/** Every document of a YAML file; a syntax error names the file and the line. */
export function readYamlDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { merge: true });
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc.toJS();
  });
}

function readKustomization(dir: string, root: string): Kustomization {
  const file = join(dir, "kustomization.yaml");
  if (!existsSync(file)) throw new Error(`${relative(root, dir)} has no kustomization.yaml`);
  const [k] = readYamlDocuments(file) as Kustomization[];
  if (!k || typeof k !== "object") throw new Error(`${relative(root, file)} is empty`);
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) {
      throw new Error(
        `${relative(root, file)}: field ${key} is not understood by this check; teach test/infra/kustomize.ts`,
      );
    }
  }
  return k;
}

/** Renders the kustomization in `dir` (paths in messages relative to `root`). */
export function renderKustomization(dir: string, root: string): Rendered[] {
  return render(dir, root, "Kustomization");
}

/**
 * A Kustomization's objects after its components, patches, namespace and images; a Component's
 * own resources only (its patches act on the kustomization that lists it).
 */
function render(dir: string, root: string, kind: "Kustomization" | "Component"): Rendered[] {
  const k = readKustomization(dir, root);
  if ((k.kind ?? "Kustomization") !== kind) {
    throw new Error(`${relative(root, dir)}: kind ${k.kind}, expected ${kind}`);
  }
  const out: Rendered[] = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${relative(root, dir)}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      out.push(...render(path, root, "Kustomization"));
      continue;
    }
    for (const doc of readYamlDocuments(path)) {
      if (doc === null || doc === undefined) continue;
      out.push({ object: doc as K8sObject, file: relative(root, path) });
    }
  }
  out.push(...generateConfigMaps(dir, root, k));
  if (kind === "Component") {
    if (k.namespace || k.images || k.components) {
      throw new Error(`${relative(root, dir)}: this check understands resources and patches in a Component`);
    }
    return out;
  }
  for (const entry of k.components ?? []) {
    const componentDir = resolve(dir, entry);
    out.push(...render(componentDir, root, "Component"));
    applyPatches(out, readKustomization(componentDir, root).patches ?? [], relative(root, componentDir));
  }
  applyPatches(out, k.patches ?? [], relative(root, dir));
  if (k.namespace) {
    for (const { object } of out) {
      if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = k.namespace;
    }
  }
  for (const image of k.images ?? []) {
    for (const { object } of out) setImage(object, image);
  }
  return out;
}

/**
 * configMapGenerator with `files` only (key = file name, or `key=path`), and only with
 * `disableNameSuffixHash: true`: with a hash suffix kustomize renames the ConfigMap and rewrites
 * every reference to it, which this renderer does not do, so it refuses rather than differ.
 */
function generateConfigMaps(dir: string, root: string, k: Kustomization): Rendered[] {
  const generators = k.configMapGenerator ?? [];
  const where = relative(root, join(dir, "kustomization.yaml"));
  const options = k.generatorOptions ?? {};
  for (const key of Object.keys(options)) {
    if (key !== "disableNameSuffixHash")
      throw new Error(`${where}: generatorOptions.${key} is not understood`);
  }
  if (generators.length > 0 && options.disableNameSuffixHash !== true) {
    throw new Error(`${where}: configMapGenerator needs generatorOptions.disableNameSuffixHash: true here`);
  }
  return generators.map((generator) => {
    for (const key of Object.keys(generator)) {
      if (key !== "name" && key !== "files")
        throw new Error(`${where}: configMapGenerator ${generator.name}: field ${key} is not understood`);
    }
    const data: Record<string, string> = {};
    for (const entry of generator.files ?? []) {
      const [key, path] = entry.includes("=") ? entry.split("=", 2) : [basename(entry), entry];
      const file = resolve(dir, path!);
      if (relative(dir, file).startsWith("..")) {
        throw new Error(`${where}: ${entry} is outside the kustomization (kustomize refuses it)`);
      }
      if (!existsSync(file)) throw new Error(`${where}: file ${entry} does not exist`);
      data[key!] = readFileSync(file, "utf8");
    }
    const object: K8sObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: generator.name },
      data,
    };
    return { object, file: where };
  });
}

function setImage(object: K8sObject, image: { name: string; newName?: string; newTag?: string }): void {
  const spec = (object.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec;
  if (!spec) return;
  for (const list of ["containers", "initContainers"]) {
    for (const container of (spec[list] as { image?: string }[] | undefined) ?? []) {
      const current = container.image ?? "";
      const name = current.replace(/[:@].*$/, "");
      if (name !== image.name) continue;
      const tag =
        image.newTag ?? (current.includes(":") ? current.slice(current.indexOf(":") + 1) : undefined);
      container.image = `${image.newName ?? name}${tag ? `:${tag}` : ""}`;
    }
  }
}

interface PatchOp {
  op: "add" | "remove" | "replace";
  path: string;
  value?: unknown;
}

function applyPatches(out: Rendered[], patches: Kustomization["patches"] & object, where: string): void {
  for (const { target, patch } of patches) {
    const matches = out.filter(
      ({ object }) =>
        (!target.kind || object.kind === target.kind) &&
        (!target.name || object.metadata.name === target.name),
    );
    if (matches.length === 0)
      throw new Error(`${where}: patch target ${JSON.stringify(target)} matches nothing`);
    const [ops] = parseAllDocuments(patch).map((d) => d.toJS()) as PatchOp[][];
    if (!Array.isArray(ops))
      throw new Error(`${where}: only inline JSON 6902 patches (a list of ops) are understood`);
    for (const { object } of matches) for (const op of ops) applyOp(object, op, where);
  }
}

function applyOp(object: K8sObject, op: PatchOp, where: string): void {
  const segments = op.path
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = segments.pop();
  let parent: Record<string, unknown> = object;
  for (const segment of segments) {
    const next = parent[segment];
    if (!next || typeof next !== "object") throw new Error(`${where}: ${op.op} ${op.path}: no such path`);
    parent = next as Record<string, unknown>;
  }
  if (last === undefined) throw new Error(`${where}: ${op.op} of the whole object`);
  if (op.op === "remove" || op.op === "replace") {
    if (!(last in parent)) throw new Error(`${where}: ${op.op} ${op.path}: no such path`);
  }
  if (op.op === "remove") delete parent[last];
  else parent[last] = op.value;
}
