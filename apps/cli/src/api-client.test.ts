import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiClient } from "./api-client.js";
import { ApiError } from "./errors.js";
import { FakeApi, problem } from "./test-support/fake-api.js";

let api: FakeApi;
beforeEach(async () => {
  api = await FakeApi.start();
});
afterEach(async () => {
  await api.close();
});

describe("ApiClient", () => {
  it("accepts the root URL with or without /api/v1 and leaves undefined query values out", async () => {
    api.on("GET", "/api/v1/plugins", () => ({
      status: 200,
      body: { items: [], total: 0, page: 1, pageSize: 20 },
    }));
    for (const base of [api.url, `${api.url}/`, `${api.url}/api/v1`, `${api.url}/api/v1/`]) {
      const client = new ApiClient({ baseUrl: base });
      await client.get("/plugins", { page: 2, q: undefined, cascade: true });
    }
    expect(api.requests.map((r) => `${r.path}?${r.query}`)).toEqual(
      Array(4).fill("/api/v1/plugins?page=2&cascade=true"),
    );
    expect(api.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("turns a problem+json answer into an ApiError carrying the whole problem", async () => {
    api.on("POST", "/api/v1/plugins/p/enable", () =>
      problem(409, "OPERATION_IN_PROGRESS", "busy", { inFlightJobId: "job-9" }),
    );
    const client = new ApiClient({ baseUrl: api.url, token: "tkn" });
    const error = await client.request("POST", "/plugins/p/enable").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).problem).toEqual({
      status: 409,
      code: "OPERATION_IN_PROGRESS",
      title: "busy",
      requestId: "req-test-1",
      inFlightJobId: "job-9",
    });
    expect(api.requests[0]?.headers.authorization).toBe("Bearer tkn");
  });
});
