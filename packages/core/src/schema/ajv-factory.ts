import { Ajv, type Options } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { linearRegExp } from "./linear-regexp.js";
import { isPluginName, isSemver, isSemverRange } from "./platform-formats.js";

/** JSON Schema dialects a plugin's configSchema/paramsSchema may be written in. */
export type SchemaDialect = "draft-07" | "2019-09" | "2020-12";

export type AnyAjv = Ajv | Ajv2019 | Ajv2020;

// ajv-formats is CommonJS with `exports.default`: under NodeNext the default import
// is the module object, so take the function from wherever it sits.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: AnyAjv) => AnyAjv;

const BASE_OPTIONS: Options = {
  allErrors: true,
  // Plugin schemas often carry annotation keywords of their own ("x-order",
  // "ui:widget"): JSON Schema says unknown keywords are ignored, so do that.
  strict: false,
  // Unknown formats are likewise ignored, without a console warning per compile.
  logger: false,
  // Never change the document being validated.
  useDefaults: false,
  coerceTypes: false,
  removeAdditional: false,
  // Schema patterns come from plugins and run on the event loop: RE2 matches in linear time.
  code: { regExp: linearRegExp },
};

/**
 * A new ajv 8 instance with every ajv-formats format plus the platform's own
 * (`semver`, `semver-range`, `plugin-name`). `allErrors` is on: callers report
 * every problem at once.
 */
export function createAjv(dialect: SchemaDialect = "draft-07", options: Options = {}): AnyAjv {
  const merged = { ...BASE_OPTIONS, ...options };
  const ajv: AnyAjv =
    dialect === "2019-09"
      ? new Ajv2019(merged)
      : dialect === "2020-12"
        ? new Ajv2020(merged)
        : new Ajv(merged);
  addFormats(ajv);
  ajv.addFormat("semver", { type: "string", validate: isSemver });
  ajv.addFormat("semver-range", { type: "string", validate: isSemverRange });
  ajv.addFormat("plugin-name", { type: "string", validate: isPluginName });
  return ajv;
}
