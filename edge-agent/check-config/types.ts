export type FeatureStatus = 'present' | 'missing' | 'degraded';

/** One host feature and what trying it showed. */
export interface FeatureReport {
  group: string;
  name: string;
  status: FeatureStatus;
  /** What was seen: a path, a version, the syscall error. */
  detail: string;
  /** Where a missing or degraded feature comes from: a Debian package or kernel option. */
  remedy?: string;
}

/**
 * A probe tries one feature for real. `run` returns a detail when the feature works, and
 * throws (with the syscall error) when it does not; `degradedDetail` lets it say "works, but".
 */
export interface Probe {
  group: string;
  name: string;
  /** Missing a required feature makes check-config fail; an optional one is "degraded". */
  required: boolean;
  remedy: string;
  run(): string | { degraded: string };
}
