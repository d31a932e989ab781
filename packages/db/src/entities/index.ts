import { ClusterRevisionEntity } from "./cluster-revision-entity.js";
import { PluginConfigEntity } from "./plugin-config-entity.js";
import { PluginEntity } from "./plugin-entity.js";
import { PluginOperationEntity } from "./plugin-operation-entity.js";
import { PluginRolloutEntity } from "./plugin-rollout-entity.js";
import { PluginScopedConfigEntity } from "./plugin-scoped-config-entity.js";
import { PluginVersionEntity } from "./plugin-version-entity.js";

export {
  ClusterRevisionEntity,
  PluginConfigEntity,
  PluginEntity,
  PluginOperationEntity,
  PluginRolloutEntity,
  PluginScopedConfigEntity,
  PluginVersionEntity,
};

export const ENTITIES = [
  PluginEntity,
  PluginVersionEntity,
  PluginConfigEntity,
  PluginOperationEntity,
  PluginScopedConfigEntity,
  PluginRolloutEntity,
  ClusterRevisionEntity,
];
