import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import type { K8sObject } from "./kustomize.js";

/** A model class of kubernetes-models: its prototype's validate() checks `this` against the schema. */
interface ModelClass {
  prototype: { validate(this: unknown): void };
}

/** The kinds infra/k8s uses. A new kind fails the check until its model is added here. */
const MODELS: Record<string, ModelClass> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
};

/**
 * Wraps `value` so every property the schema validator reads is recorded. The Kubernetes
 * OpenAPI schemas do not forbid unknown fields (the API server drops them, or refuses them
 * with --validate=strict), so a misspelt `readinesProbe` would pass a plain schema check:
 * a field the validator never looked at is one the schema does not know.
 */
function tracked(value: unknown, path: string, read: Set<string>, present: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v, i) => tracked(v, `${path}/${i}`, read, present));
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    present.add(`${path}/${key}`);
    copy[key] = tracked(child, `${path}/${key}`, read, present);
  }
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === "string" && Object.hasOwn(target, key)) read.add(`${path}/${key}`);
      return Reflect.get(target, key, receiver);
    },
  });
}

/**
 * Problems of one object against the Kubernetes schemas (kubernetes-models, offline): schema
 * errors (types, required fields, enums, formats) and fields the schema does not know.
 * Empty when the object is valid.
 */
export function validateK8sObject(object: K8sObject): string[] {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!model) {
    return [`${object.apiVersion} ${object.kind} has no model in test/infra/k8s-validate.ts; add it there`];
  }
  const read = new Set<string>();
  const present = new Set<string>();
  const proxy = tracked(object, "", read, present);
  try {
    model.prototype.validate.call(proxy);
  } catch (error) {
    return [(error as Error).message];
  }
  // Report the outermost unknown field only (its children were never read either).
  const unknown = [...present]
    .filter((p) => !read.has(p))
    .filter((p, _, all) => !all.some((other) => other !== p && p.startsWith(`${other}/`)));
  return unknown.map((p) => `unknown field ${p} (the Kubernetes schema has no such field)`);
}

/** Kinds this validator knows, for the test's own checks. */
export const KNOWN_KINDS = Object.keys(MODELS);
