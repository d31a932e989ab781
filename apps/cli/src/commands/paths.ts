/** `/plugins/<id><suffix>` with the id escaped: ids come from the command line. */
export function pluginPath(pluginId: string, suffix = ""): string {
  return `/plugins/${encodeURIComponent(pluginId)}${suffix}`;
}

export function jobPath(jobId: string): string {
  return `/jobs/${encodeURIComponent(jobId)}`;
}
