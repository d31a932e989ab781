/**
 * Property-based fuzzing of the manifest validator (test/hostile/README.md): random JSON
 * values, the corpus manifests of test/hostile/corpus/ with fields deleted, retyped, set to
 * hostile strings or to prototype-polluting keys, and their JSON text mutated character by
 * character. validateManifest / validateManifestJson must never throw, never take long, answer
 * a consistent { valid, errors, manifest }, and never touch Object.prototype.
 *
 * Deterministic by default (fixed seed, bounded runs); a longer run:
 *   FUZZ_RUNS=20000 FUZZ_SEED=42 pnpm exec vitest run --config test/vitest.config.ts packages/core/src/manifest/fuzz-manifest.test.ts
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import {
  assertValidManifest,
  type ManifestValidation,
  validateManifest,
  validateManifestJson,
} from "./validate-manifest.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20_241_125);
/**
 * A validation that takes this long is a hang. The validator is synchronous, so a true hang
 * can only be caught by the test timeout; this bound reports a pathological input (and which
 * one) long before, while staying far above the normal cost (well under a millisecond).
 */
const HANG_MS = 2_000;
const TEST_TIMEOUT_MS = Math.max(60_000, RUNS * 100);

const CORPUS = path.resolve(import.meta.dirname, "../../../../test/hostile/corpus");

const FALLBACK_SEEDS: Record<string, unknown>[] = [
  { name: "seed", version: "1.0.0", pluginType: "custom", entryPoint: "index.mjs" },
  {
    name: "seed-config",
    version: "2.0.0-rc.1",
    pluginType: "notify",
    entryPoint: "./lib/main.js",
    configSchema: { type: "object", properties: { url: { type: "string" } }, required: ["url"] },
    defaultConfig: { url: "https://example.com" },
    dependencies: [{ name: "other", version: "^1.0.0" }],
    resources: { memory: "64Mi", cpu: "100m" },
    tags: ["a"],
  },
];

let seeds: Record<string, unknown>[] = [];
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(() => {
  seeds = [...FALLBACK_SEEDS];
  for (const file of ["manifest-minimal.json", "manifest-full.json"]) {
    try {
      seeds.push(JSON.parse(readFileSync(path.join(CORPUS, file), "utf8")) as Record<string, unknown>);
    } catch {
      // The corpus lives in test/hostile; the built-in seeds are enough without it.
    }
  }
});

afterAll(() => {
  // Nothing a manifest contains may reach the prototype of every object.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

/** Runs one validation and checks the shape of its answer. */
function checked(what: string, run: () => ManifestValidation): ManifestValidation {
  const started = performance.now();
  let result: ManifestValidation;
  try {
    result = run();
  } catch (error) {
    throw new Error(`${what} threw: ${String(error)}`, { cause: error });
  }
  const ms = performance.now() - started;
  expect(ms, `${what} took ${Math.round(ms)} ms`).toBeLessThan(HANG_MS);
  expect(typeof result.valid).toBe("boolean");
  expect(Array.isArray(result.errors)).toBe(true);
  if (result.valid) {
    expect(result.errors).toEqual([]);
    expect(result.manifest).not.toBeNull();
    // A valid manifest stays valid, unchanged, when validated again (what the worker does
    // with the copy the API or the archive inspection handed it).
    const again = validateManifest(result.manifest);
    expect(again.valid).toBe(true);
    expect(again.manifest).toEqual(result.manifest);
    expect(assertValidManifest(result)).toBe(result.manifest);
  } else {
    expect(result.manifest).toBeNull();
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors.length).toBeLessThanOrEqual(100);
    for (const e of result.errors) {
      expect(typeof e.path).toBe("string");
      expect(e.path === "" || e.path.startsWith("/"), e.path).toBe(true);
      expect(typeof e.message).toBe("string");
      expect(e.message.length).toBeGreaterThan(0);
    }
    let thrown: unknown;
    try {
      assertValidManifest(result);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe("MANIFEST_INVALID");
  }
  return result;
}

const FIELDS = [
  "name",
  "version",
  "description",
  "author",
  "homepage",
  "repository",
  "documentation",
  "pluginType",
  "entryPoint",
  "dependencies",
  "configSchema",
  "paramsSchema",
  "defaultConfig",
  "icon",
  "tags",
  "minVersion",
  "resources",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "",
];

/** Strings a hostile author would try: traversal, control and bidi characters, huge, odd numbers. */
const hostileString = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "../index.mjs",
    "/etc/passwd",
    "C:\\\\x.js",
    "a\u0000b",
    "\u202Eexe.js",
    "\u200b",
    "🔥",
    "e\u0301",
    "ｆｕｌｌ",
    "1.0.0",
    "v1.0.0",
    "01.0.0",
    "1.0.0-",
    "^1 || <=0",
    ">=1 <0",
    "*",
    "x".repeat(5000),
    "__proto__",
    "NaN",
    "1e400",
    "index.mjs",
    "./lib/main.js",
    "lib//a.js",
    "64Mi",
    "99999999999999999999Ti",
    "0",
    "-1",
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

/** Values a field may be set to: hostile strings, any JSON, schema-looking objects. */
const fieldValue = fc.oneof(
  hostileString,
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(
    fc.constantFrom(
      "type",
      "properties",
      "required",
      "pattern",
      "format",
      "$ref",
      "items",
      "enum",
      "minimum",
      "__proto__",
      "additionalProperties",
    ),
    fc.oneof(hostileString, fc.jsonValue({ maxDepth: 2 })),
    { maxKeys: 5 },
  ),
  fc.array(fc.record({ name: hostileString, version: hostileString }), { maxLength: 3 }),
);

type Edit =
  | { op: "delete"; field: string }
  | { op: "set"; field: string; value: unknown }
  | { op: "nest"; field: string; key: string; value: unknown };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), field: fc.constantFrom(...FIELDS) }),
  fc.record({ op: fc.constant("set" as const), field: fc.constantFrom(...FIELDS), value: fieldValue }),
  fc.record({
    op: fc.constant("nest" as const),
    field: fc.constantFrom("configSchema", "paramsSchema", "defaultConfig", "resources"),
    key: fc.oneof(
      fc.constantFrom("__proto__", "constructor", "type", "properties", "pattern", "required"),
      fc.string({ maxLength: 8 }),
    ),
    value: fieldValue,
  }),
);

/**
 * Applies edits through JSON text, so `__proto__` becomes an own key as JSON.parse makes it
 * (an object literal or assignment would set the prototype instead).
 */
function applyEdits(seed: Record<string, unknown>, edits: readonly Edit[]): unknown {
  const copy = JSON.parse(JSON.stringify(seed)) as Record<string, unknown>;
  const extra: string[] = [];
  for (const e of edits) {
    if (e.op === "delete") delete copy[e.field];
    else if (e.field === "__proto__")
      extra.push(`"__proto__":${JSON.stringify(e.op === "set" ? e.value : { [e.key]: e.value })}`);
    else if (e.op === "set")
      Object.defineProperty(copy, e.field, {
        value: e.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else {
      const inner = copy[e.field];
      const base = typeof inner === "object" && inner !== null && !Array.isArray(inner) ? { ...inner } : {};
      Object.defineProperty(base, e.key, {
        value: e.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      copy[e.field] = base;
    }
  }
  const text = JSON.stringify(copy);
  const joined =
    extra.length === 0
      ? text
      : text === "{}"
        ? `{${extra.join(",")}}`
        : `{${extra.join(",")},${text.slice(1)}`;
  return JSON.parse(joined);
}

describe(`fuzz: validateManifest (seed ${SEED}, ${RUNS} runs per property)`, () => {
  it("the seeds are valid", () => {
    expect(seeds.length).toBeGreaterThanOrEqual(2);
    for (const seed of seeds)
      expect(checked("seed", () => validateManifest(seed)).valid, JSON.stringify(seed)).toBe(true);
  });

  it(
    "any JSON value gets a consistent answer, never a throw",
    () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
          checked(JSON.stringify(value).slice(0, 200), () => validateManifest(value));
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a corpus manifest with fields deleted, retyped, hostile or prototype-polluting is valid or has field errors",
    () => {
      let valid = 0;
      fc.assert(
        fc.property(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 4 }), (which, edits) => {
          const input = applyEdits(seeds[which % seeds.length]!, edits);
          if (checked(JSON.stringify(edits).slice(0, 300), () => validateManifest(input)).valid) valid += 1;
        }),
        { seed: SEED + 1, numRuns: RUNS, endOnFailure: true },
      );
      // Some edits are harmless (a new description): the property sees both outcomes.
      expect(valid).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "manifest text mutated character by character is parsed or refused with field errors",
    () => {
      const insertable = fc.oneof(
        fc.constantFrom(
          "{",
          "}",
          "[",
          "]",
          '"',
          "\\",
          ",",
          ":",
          "\u0000",
          "\ufeff",
          "\ud800",
          "1e999",
          "-",
          "null",
        ),
        fc.string({ maxLength: 4 }),
      );
      fc.assert(
        fc.property(
          fc.nat(),
          fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), insertable), { minLength: 1, maxLength: 6 }),
          (which, edits) => {
            let text = JSON.stringify(seeds[which % seeds.length], null, 2);
            for (const [at, removed, inserted] of edits) {
              const i = at % (text.length + 1);
              text = text.slice(0, i) + inserted + text.slice(i + removed);
            }
            checked(text.slice(0, 200), () => validateManifestJson(text));
          },
        ),
        { seed: SEED + 2, numRuns: RUNS, endOnFailure: true },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "deep or wide documents are refused without a stack overflow",
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 64, max: 20_000 }),
          fc.constantFrom("[", '{"a":'),
          fc.constantFrom("configSchema", "defaultConfig", "tags", "x"),
          (depth, open, field) => {
            const close = open === "[" ? "]" : "}";
            const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
            const text = `{"name":"deep","version":"1.0.0","pluginType":"custom","entryPoint":"i.js","${field}":${deep}}`;
            expect(checked(`depth ${depth}`, () => validateManifestJson(text)).valid).toBe(false);
          },
        ),
        { seed: SEED + 3, numRuns: Math.min(RUNS, 200), endOnFailure: true },
      );
    },
    TEST_TIMEOUT_MS,
  );
});
