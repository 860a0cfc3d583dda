/** Prose for BENCHMARKS.md, wrapped at ~115 characters: the repository's Markdown keeps prose lines short. */
export function wrap(text: string, width = 115): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
