import { loadAddon } from '../../native/index.ts';
import { cgroupLayoutProbe, controllerProbes, loopProbe, rlimitProbe, toolProbes } from './host-probes.ts';
import { projectQuotaProbe } from './storage-probes.ts';
import { linkProbes, namespaceProbes, nftablesProbe, overlayProbe, securityProbes } from './kernel-probes.ts';
import type { FeatureReport, Probe } from './types.ts';

const addonProbe: Probe = {
  group: 'Runtime',
  name: 'native addon',
  required: true,
  remedy: 'build it with `npm run install` (needs python3, make and g++)',
  run: () => {
    loadAddon();
    return 'skerry.node loaded';
  },
};

/** Every feature skerry needs, in the order they are reported. */
export const probes: Probe[] = [
  addonProbe,
  ...namespaceProbes,
  overlayProbe,
  cgroupLayoutProbe,
  ...controllerProbes,
  ...toolProbes,
  loopProbe,
  projectQuotaProbe(),
  ...linkProbes,
  nftablesProbe,
  ...securityProbes,
  rlimitProbe,
];

export function runProbe(probe: Probe): FeatureReport {
  const base = { group: probe.group, name: probe.name };
  try {
    const outcome = probe.run();
    if (typeof outcome === 'string') return { ...base, status: 'present', detail: outcome };
    return { ...base, status: 'degraded', detail: outcome.degraded, remedy: probe.remedy };
  } catch (error) {
    const detail = (error as Error).message;
    return { ...base, status: probe.required ? 'missing' : 'degraded', detail, remedy: probe.remedy };
  }
}

export function checkConfig(list: Probe[] = probes): FeatureReport[] {
  return list.map(runProbe);
}
