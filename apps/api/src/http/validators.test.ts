import { getJob, listJobs, listPlugins, uninstallPlugin } from "@arcade/contracts";
import { isAppError } from "@arcade/core";
import { describe, expect, it } from "vitest";
import { parseQuery } from "./validators.js";

function errorsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message, errors: error.errors };
    throw error;
  }
  throw new Error("expected a validation error");
}

/** The query reader built from the contracts' schemas says what the hand-written readers said. */
describe("parseQuery", () => {
  it("applies defaults, reads integers, literals and text, ignores unknown parameters", () => {
    expect(parseQuery(listPlugins.query, { status: "1", q: "slack", other: "x", page: "" })).toEqual({
      status: 1,
      q: "slack",
      page: 1,
      pageSize: 20,
    });
    expect(parseQuery(uninstallPlugin.query, { cascade: "1", wait: "5" })).toEqual({
      cascade: true,
      wait: 5,
    });
    expect(parseQuery(uninstallPlugin.query, { cascade: "false" })).toEqual({ cascade: false, wait: 0 });
    // A repeated parameter: the first value, as c.req.query() has it.
    expect(parseQuery(getJob.query, { wait: ["2", "70"] })).toEqual({ wait: 2 });
  });

  it("names every bad parameter with the readers' messages", () => {
    expect(
      errorsOf(() =>
        parseQuery(listPlugins.query, {
          page: "0",
          pageSize: "1e1",
          status: "3",
          pluginType: "nope",
          q: "x".repeat(201),
        }),
      ),
    ).toEqual({
      code: "VALIDATION_FAILED",
      message: "invalid query parameters",
      errors: [
        { path: "/status", message: "must be one of 0, 1, 2" },
        {
          path: "/pluginType",
          message: "must be one of notify, ci, cd, security, storage, approval, custom",
        },
        { path: "/q", message: "must be at most 200 characters" },
        { path: "/page", message: "must be an integer from 1 to 1000000" },
        { path: "/pageSize", message: "must be an integer from 1 to 200" },
      ],
    });
    expect(errorsOf(() => parseQuery(uninstallPlugin.query, { cascade: "perhaps" })).errors).toEqual([
      { path: "/cascade", message: "must be true or false" },
    ]);
    expect(errorsOf(() => parseQuery(listJobs.query, { state: "done" })).errors).toEqual([
      { path: "/state", message: "must be one of queued, running, succeeded, failed" },
    ]);
    for (const wait of ["61", "-1", "abc", "1.5", "99999999999"]) {
      expect(errorsOf(() => parseQuery(getJob.query, { wait })).errors).toEqual([
        { path: "/wait", message: "must be an integer from 0 to 60" },
      ]);
    }
  });
});
