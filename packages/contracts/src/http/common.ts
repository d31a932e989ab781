import { type TLiteral, type TSchema, type TUnion, Type } from "@sinclair/typebox";
import { ERROR_CODES } from "../error-codes.js";

/**
 * Schema pieces shared by the resources. Extension keywords (`x-...`) are ignored by JSON
 * Schema validators and by OpenAPI tools; the API's validators read two of them:
 * - `x-error`: the problem title and field message when this property is wrong, where the
 *   API has always said something more useful than the generic schema message;
 * - `x-empty-body`: what an absent (or blank) JSON body counts as.
 */
export interface FieldErrorText {
  title: string;
  message: string;
}

export const FieldErrorSchema = Type.Object(
  {
    path: Type.String({ description: "JSON pointer into the offending document (`/version`)." }),
    message: Type.String(),
  },
  { $id: "FieldError" },
);

/** RFC 9457 problem body: every error answer of the API (`application/problem+json`). */
export const ProblemSchema = Type.Object(
  {
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Literals(ERROR_CODES, { description: "Machine-readable code from the fixed list (UPPER_SNAKE)." }),
    title: Type.String(),
    detail: Type.Optional(Type.String({ description: "What to do next." })),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
    requestId: Type.Optional(
      Type.String({ description: "Also in the X-Request-Id header and the server log." }),
    ),
  },
  {
    $id: "Problem",
    additionalProperties: true,
    description:
      "Extension members carry the error's details, e.g. `inFlightJobId` (OPERATION_IN_PROGRESS), `retryAfter` (RATE_LIMITED).",
  },
);

/** A page of a list: `{ items, total, page, pageSize }`. */
export function PagedSchema<T extends TSchema>(item: T, id: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      total: Type.Integer({ minimum: 0 }),
      page: Type.Integer({ minimum: 1 }),
      pageSize: Type.Integer({ minimum: 0 }),
    },
    { $id: id },
  );
}

/**
 * Query parameters. On the wire each is text; the API reads an empty value as absent, an
 * integer as 1-9 digits within the bounds, a boolean as true/1/false/0.
 */
/** Not optional in the static type: an absent value reads as its default. */
export const QueryInt = (minimum: number, maximum: number, fallback: number, description?: string) =>
  Type.Integer({ minimum, maximum, default: fallback, ...(description ? { description } : {}) });

export const QueryBool = (description: string) => Type.Optional(Type.Boolean({ description }));

export const QueryText = (maxLength: number, description: string) =>
  Type.Optional(Type.String({ maxLength, description }));

/** A union of literals, keeping the literal types (`Type.Union(values.map(...))` widens them). */
export function Literals<const T extends readonly (string | number)[]>(
  values: T,
  options: { description?: string } = {},
): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as TUnion<TLiteral<T[number]>[]>;
}

export const QueryOneOf = <const T extends readonly (string | number)[]>(values: T, description: string) =>
  Type.Optional(Literals(values, { description }));

/** `?wait=N`: seconds (0-60) to wait for the job to finish before answering. */
export const WaitQuery = Type.Object({
  wait: QueryInt(
    0,
    60,
    0,
    "Seconds to wait for the job to finish: 200 with the finished job, or 202 if it is still running.",
  ),
});

export const PluginIdParams = Type.Object({
  pluginId: Type.String({
    maxLength: 200,
    description: "`plugin_<name-slug>_<6 random [a-z0-9]>`; anything else is 404 PLUGIN_NOT_FOUND.",
  }),
});

export const JobIdParams = Type.Object({ jobId: Type.String({ maxLength: 200 }) });

/** Problem statuses any route under /api/v1 may answer besides its own. */
export const COMMON_ERRORS = [401, 403, 429, 503] as const;
