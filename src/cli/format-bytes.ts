/** Sizes in one style everywhere the CLI prints them: binary units (KiB, MiB, GiB), as `ls -h` does. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A rate of bytes per second, same units. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Seconds left, or '?' before there is a rate to go by. */
export function formatEta(remainingBytes: number, bytesPerSecond: number): string {
  if (!(bytesPerSecond > 0)) return '?';
  const s = Math.ceil(Math.max(0, remainingBytes) / bytesPerSecond);
  return s >= 90 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}
