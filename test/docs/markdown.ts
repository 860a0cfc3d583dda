import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

/** What the docs tests read: the repository's files as git knows them, and Markdown split into its parts. */

/** Every file of the work tree git knows or would add (tracked, or untracked and not ignored). */
export function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return [...new Set(out.split('\0').filter(Boolean))].filter((f) => fs.existsSync(path.join(ROOT, f)));
}

/**
 * The repository's Markdown: every `.md` file, without node_modules and without test/fixtures/ (data
 * for tests, written as third parties write it) except test/fixtures/SOURCES.md, which is ours.
 */
export function markdownFiles(): string[] {
  return repositoryFiles()
    .filter((f) => f.endsWith('.md'))
    .filter((f) => !f.split('/').includes('node_modules'))
    .filter((f) => !f.startsWith('test/fixtures/') || f === 'test/fixtures/SOURCES.md')
    .sort();
}

export interface MarkdownLine {
  /** 1-based. */
  number: number;
  text: string;
  /** Inside a fenced code block (the fence lines themselves included). */
  code: boolean;
  /** A table row (a line that starts with `|`, outside code). */
  table: boolean;
}

export function markdownLines(text: string): MarkdownLine[] {
  let fence: string | undefined;
  return text.split('\n').map((line, i) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      return { number: i + 1, text: line, code: true, table: false };
    }
    if (fence !== undefined) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker)
        fence = undefined;
      return { number: i + 1, text: line, code: true, table: false };
    }
    return { number: i + 1, text: line, code: false, table: /^\s*\|/.test(line) };
  });
}

/** The cells of a table row: split on every `|` not escaped with a backslash (as GitHub splits them). */
export function tableCells(row: string): string[] {
  const inner = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/);
}

/** The text of a line without its inline code spans (`…`), each replaced by a placeholder. */
export function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '`code`');
}

/** The inline code spans of a line (their content). */
export function codeSpans(line: string): string[] {
  return [...line.matchAll(/(`+)((?:(?!\1)[\s\S])*?)\1/g)].map((m) => (m[2] ?? '').trim());
}

/**
 * The anchors GitHub gives a page's headings: the heading's text (formatting and link targets left out),
 * lowercased, every character that is not a letter, a digit, a space, `-` or `_` removed, spaces turned into
 * `-`; a heading met again gets `-1`, `-2`, … Explicit `<a id>` / `<a name>` anchors count too.
 */
export function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of markdownLines(text)) {
    if (line.code) continue;
    for (const m of line.text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1] as string);
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line.text)?.[1];
    if (heading === undefined) continue;
    const slug = slugify(heading);
    const n = seen.get(slug);
    anchors.add(n === undefined ? slug : `${slug}-${n}`);
    seen.set(slug, (n ?? 0) + 1);
  }
  return anchors;
}

export function slugify(heading: string): string {
  const plain = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML tags
    .replace(/[`*~]/g, '') // code and emphasis marks (`_` is kept: GitHub keeps it in the slug)
    .trim()
    .toLowerCase();
  return plain.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}
