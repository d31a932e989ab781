import { AppError } from "@arcade/core";
import { NoSuchBucket, NoSuchKey, NotFound, S3ServiceException } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { classifyS3Error } from "./classify-s3-error.js";
import { isBatchDeleteUnsupported } from "./is-batch-delete-unsupported.js";

const ctx = { operation: "get", bucket: "b", key: "plugins/p/1.0.0/p_1.0.0.zip" };

function serviceError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code, $metadata: { attempts: 2 } });
}

describe("classifyS3Error", () => {
  it.each([
    ["AccessDenied", 403],
    ["InvalidAccessKeyId", 403],
    ["SignatureDoesNotMatch", 403],
    ["Forbidden", 403],
    ["ExpiredToken", 400],
    ["SomethingNew", 401],
  ])("%s (%i) is STORAGE_ACCESS_DENIED, not retryable", (name, status) => {
    const error = classifyS3Error(serviceError(name, status), ctx);
    expect(error).toMatchObject({ code: "STORAGE_ACCESS_DENIED", retryable: false });
  });

  it("a missing object is OBJECT_NOT_FOUND, from GET (NoSuchKey) and HEAD (NotFound)", () => {
    const noSuchKey = new NoSuchKey({ message: "gone", $metadata: { httpStatusCode: 404 } });
    const notFound = new NotFound({ message: "", $metadata: { httpStatusCode: 404 } });
    expect(classifyS3Error(noSuchKey, ctx)).toMatchObject({ code: "OBJECT_NOT_FOUND", status: 404 });
    expect(classifyS3Error(notFound, ctx)).toMatchObject({ code: "OBJECT_NOT_FOUND" });
    expect(classifyS3Error(serviceError("UnknownError", 404), ctx)).toMatchObject({
      code: "OBJECT_NOT_FOUND",
    });
  });

  it("a missing bucket, or a 404 without a key, is STORAGE_UNAVAILABLE naming the bucket", () => {
    const noBucket = new NoSuchBucket({ message: "no bucket", $metadata: { httpStatusCode: 404 } });
    const error = classifyS3Error(noBucket, ctx);
    expect(error).toMatchObject({ code: "STORAGE_UNAVAILABLE" });
    expect(error.message).toContain("bucket b");
    expect(classifyS3Error(serviceError("NotFound", 404), { operation: "ping", bucket: "b" })).toMatchObject({
      code: "STORAGE_UNAVAILABLE",
    });
  });

  it.each([
    ["SlowDown", 503],
    ["ServiceUnavailable", 503],
    ["InternalError", 500],
    ["RequestTimeout", 400],
    ["TooManyRequestsException", 429],
    ["BadGateway", 502],
  ])("%s (%i) is STORAGE_UNAVAILABLE, retryable", (name, status) => {
    expect(classifyS3Error(serviceError(name, status), ctx)).toMatchObject({
      code: "STORAGE_UNAVAILABLE",
      retryable: true,
      status: 503,
    });
  });

  it.each(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"])(
    "socket error %s is STORAGE_UNAVAILABLE, retryable",
    (code) => {
      expect(classifyS3Error(socketError(code), ctx)).toMatchObject({
        code: "STORAGE_UNAVAILABLE",
        retryable: true,
      });
    },
  );

  it("SDK timeouts and happy-eyeballs AggregateErrors are STORAGE_UNAVAILABLE", () => {
    const timeout = Object.assign(new Error("socket did not establish a connection"), {
      name: "TimeoutError",
    });
    const aggregate = new AggregateError([socketError("ECONNREFUSED"), socketError("ECONNREFUSED")], "");
    expect(classifyS3Error(timeout, ctx)).toMatchObject({ code: "STORAGE_UNAVAILABLE" });
    expect(classifyS3Error(aggregate, ctx)).toMatchObject({ code: "STORAGE_UNAVAILABLE" });
  });

  it("another 4xx means we sent something S3 cannot take: INTERNAL, not retried", () => {
    expect(classifyS3Error(serviceError("InvalidArgument", 400), ctx)).toMatchObject({
      code: "INTERNAL",
      retryable: false,
    });
  });

  it("keeps an AppError as it is and the original as cause", () => {
    const app = new AppError("CHECKSUM_MISMATCH", "bad");
    expect(classifyS3Error(app, ctx)).toBe(app);
    const original = socketError("ECONNRESET");
    expect(classifyS3Error(original, ctx).cause).toBe(original);
  });
});

describe("isBatchDeleteUnsupported", () => {
  it("recognises servers without DeleteObjects, and nothing else", () => {
    expect(isBatchDeleteUnsupported(serviceError("NotImplemented", 501))).toBe(true);
    expect(isBatchDeleteUnsupported(serviceError("MethodNotAllowed", 405))).toBe(true);
    expect(isBatchDeleteUnsupported(serviceError("MissingContentMD5", 400))).toBe(true);
    expect(isBatchDeleteUnsupported(serviceError("AccessDenied", 403))).toBe(false);
    expect(isBatchDeleteUnsupported(serviceError("SlowDown", 503))).toBe(false);
    expect(isBatchDeleteUnsupported(socketError("ECONNRESET"))).toBe(false);
  });
});
