// The public face of native/cgroups: container cgroups on v1, v2 and hybrid layouts.
export { currentCgroupLayout, forgetCgroupLayout, hierarchyFor, readCgroupLayout, type CgroupHierarchy, type CgroupLayout } from './layout.ts';
export {
  createContainerCgroup, findContainerCgroup, listContainerCgroups, planContainerCgroup, DEFAULT_PARENT, type CgroupOptions, type ContainerCgroup,
  type PlannedCgroup,
} from './container.ts';
export type { DestroyOptions } from './destroy.ts';
export { CgroupError } from './files.ts';
export { validateResources, type LinuxDeviceRule, type LinuxResources, type ResourceRequest } from './resources.ts';
export type { CgroupStats, CpuThrottling } from './stats.ts';
export { DEFAULT_PERIOD_US, sharesToWeight, swapToV2, translateResources, type ControlWrite, type VersionOf } from './translate.ts';
export { v1CgroupViews, type CgroupView } from './views.ts';
