import type { K8sObject, Rendered } from "./kustomize.js";

/**
 * The environment of containers in rendered manifests, resolved as the kubelet does, for the
 * checks of test/infra: which value each ARCADE_* variable (or a datastore's variable) ends up with.
 */

export function named(rendered: Rendered[], kind: string, name: string): K8sObject {
  const found = rendered.map((r) => r.object).find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

export interface EnvFrom {
  configMapRef?: { name: string };
  secretRef?: { name: string };
}

/** One `env` entry's source: a literal (with `$(VAR)` references) or a key of a ConfigMap/Secret. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}

/** A ConfigMap's `data` or a Secret's `stringData`. */
export function valuesOf(
  rendered: Rendered[],
  kind: "ConfigMap" | "Secret",
  name: string,
): Record<string, string> {
  const o = named(rendered, kind, name);
  return ((kind === "ConfigMap" ? o.data : o.stringData) ?? {}) as Record<string, string>;
}

/**
 * The environment a container gets, as the kubelet builds it: envFrom first, then env in order,
 * `$(VAR)` expanded from what is defined before it (unknown references stay as written);
 * fieldRef gets a sample pod name.
 */
export function containerEnv(
  rendered: Rendered[],
  owner: K8sObject,
  container: { envFrom?: EnvFrom[]; env?: EnvVar[] },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, valuesOf(rendered, "ConfigMap", source.configMapRef.name));
    if (source.secretRef) Object.assign(env, valuesOf(rendered, "Secret", source.secretRef.name));
  }
  for (const item of container.env ?? []) {
    const from = item.valueFrom;
    const ref = from?.secretKeyRef ?? from?.configMapKeyRef;
    if (ref) {
      const values = valuesOf(rendered, from?.secretKeyRef ? "Secret" : "ConfigMap", ref.name);
      if (!(ref.key in values)) throw new Error(`${owner.metadata.name}: ${ref.name} has no key ${ref.key}`);
      env[item.name] = values[ref.key]!;
    } else if (from?.fieldRef) {
      env[item.name] = `${owner.metadata.name}-7c9d4-x2k8q`;
    } else {
      env[item.name] = (item.value ?? "").replace(/\$\((\w+)\)/g, (m, name: string) => env[name] ?? m);
    }
  }
  return env;
}
