export {
  ApiClient,
  type ApiClientOptions,
  type ApiResponse,
  type CallInput,
  type Query,
  type RequestOptions,
  type StreamedBody,
} from "./api-client.js";
export type { CliContext } from "./cli-context.js";
export { ApiError, ConnectionError, EXIT, type ProblemInfo, UsageError } from "./errors.js";
export { followJob, isFinished } from "./jobs/follow-job.js";
export { Output, type TextStream } from "./output/output.js";
export { buildProgram, DEFAULT_URL } from "./program.js";
export { type CliEnvironment, runCli } from "./run-cli.js";
export { type ResolvedToken, resolveToken, TOKEN_FILE, type TokenSource } from "./token.js";
export { type FilePart, type MultipartBody, multipartBody } from "./upload/multipart-body.js";
