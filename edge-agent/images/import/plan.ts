// What a format reader hands back: images whose every blob is in the content store and
// verified, ready to be committed. Nothing is recorded until all plans of an archive are made.
export interface ImagePlan {
  names: string[];
  manifestDigest: string;
  indexDigest?: string;
}

/** One plan per manifest: an archive that tags one image twice gives it both names. */
export function mergePlans(plans: ImagePlan[]): ImagePlan[] {
  const byKey = new Map<string, ImagePlan>();
  for (const plan of plans) {
    const key = `${plan.manifestDigest} ${plan.indexDigest ?? ''}`;
    const known = byKey.get(key);
    if (known) known.names = [...new Set([...known.names, ...plan.names])];
    else byKey.set(key, { ...plan, names: [...new Set(plan.names)] });
  }
  return [...byKey.values()];
}
