/** The candidate closest to what was typed, when it is close enough to be a typo (else undefined). */
export function closest(typed: string, candidates: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = levenshtein(typed.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return undefined;
  // A typo is a few edits away; a different word is not (`--strat` → `--start`, `--foo` → nothing).
  const tolerance = Math.max(2, Math.floor(typed.length / 3));
  const prefix = candidates.find((c) => c.startsWith(typed) || typed.startsWith(c));
  return best.distance <= tolerance ? best.name : prefix;
}

/** Edit distance (insertions, deletions, substitutions; a swap of neighbours counts as one). */
export function levenshtein(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((d[i - 1]?.[j] ?? 0) + 1, (d[i]?.[j - 1] ?? 0) + 1, (d[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, (d[i - 2]?.[j - 2] ?? 0) + 1);
      }
      (d[i] as number[])[j] = v;
    }
  }
  return d[a.length]?.[b.length] ?? 0;
}
