import { AppError } from "@arcade/core";

/** Offset and limit of a 1-based page; a page number or size that is not a positive integer is BAD_REQUEST. */
export function pageWindow(page: number, pageSize: number): { offset: number; limit: number } {
  if (!Number.isInteger(page) || page < 1) {
    throw new AppError("BAD_REQUEST", `page must be a positive integer, got ${page}`);
  }
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new AppError("BAD_REQUEST", `pageSize must be a positive integer, got ${pageSize}`);
  }
  return { offset: (page - 1) * pageSize, limit: pageSize };
}
