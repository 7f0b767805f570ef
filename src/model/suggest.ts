/** Edit distance (Levenshtein), for "did you mean" hints. Small inputs only: ids and field names. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Longest name a "did you mean" considers (ids are at most 64 characters). */
const MAX_SUGGESTED_LENGTH = 128;

/** The candidate closest to `wanted`, if it is close enough to be a plausible typo. */
export function nearest(wanted: string, candidates: Iterable<string>): string | undefined {
  // Names and ids are short; a 100,000-character "name" is no typo, and comparing it with every
  // candidate would cost seconds.
  if (wanted.length > MAX_SUGGESTED_LENGTH) return undefined;
  const tolerance = Math.max(1, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skip what cannot be close enough.
    if (candidate.length > MAX_SUGGESTED_LENGTH || Math.abs(candidate.length - wanted.length) > tolerance) continue;
    const distance = editDistance(wanted.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= tolerance ? best : undefined;
}

/** " (did you mean 'x'?)" or "". */
export function didYouMean(wanted: string, candidates: Iterable<string>): string {
  const hit = nearest(wanted, candidates);
  return hit === undefined ? "" : ` (did you mean '${hit}'?)`;
}
