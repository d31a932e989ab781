/** Object store layout (architecture §5). Paths are derived, never stored (except s3Path for display). */
export function artifactKey(pluginId: string, version: string): string {
  return `plugins/${pluginId}/${version}/${pluginId}_${version}.zip`;
}

export function pluginPrefix(pluginId: string): string {
  return `plugins/${pluginId}/`;
}

export function stagingKey(jobId: string): string {
  return `staging/${jobId}`;
}
