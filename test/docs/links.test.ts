import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import {
  codeSpans,
  headingAnchors,
  markdownFiles,
  markdownLines,
  repositoryFiles,
  withoutCodeSpans,
} from './markdown.js';

/**
 * The docs point at what exists: every relative link of every Markdown file resolves to a file or folder of
 * the repository, every `#anchor` to a heading of its page (GitHub's slugs), and every repository path a doc
 * names in backticks (`src/…`, `test/…`, …) exists. Before: the README was split into docs/ pages, and files
 * had moved (src/demo → src/tools/demo, src/modes/run-query.ts → src/cli/, src/lambda/payloads.ts →
 * src/requests/aws-envelopes.ts, …) while the docs kept naming the old places.
 */
const FILES = markdownFiles();
const anchorsOf = new Map<string, Set<string>>();
function anchors(file: string): Set<string> {
  let a = anchorsOf.get(file);
  if (!a) {
    a = headingAnchors(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    anchorsOf.set(file, a);
  }
  return a;
}

/** `[text](target)`, `![alt](target)` and `[label]: target`, outside code. */
function links(text: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  for (const l of markdownLines(text)) {
    if (l.code) continue;
    const prose = withoutCodeSpans(l.text);
    for (const m of prose.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g))
      out.push({ line: l.number, target: (m[1] as string).replace(/^<|>$/g, '') });
    const def = /^ {0,3}\[[^\]]+\]:\s*(\S+)/.exec(prose);
    if (def) out.push({ line: l.number, target: def[1] as string });
  }
  return out;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i; // https:, mailto:, …

describe('Markdown links and anchors', () => {
  it('finds the Markdown files', () => {
    expect(FILES).toContain('README.md');
    expect(FILES).toContain('test/fixtures/SOURCES.md');
    expect(FILES.filter((f) => f.startsWith('test/fixtures/') && f !== 'test/fixtures/SOURCES.md')).toEqual(
      [],
    );
  });

  it('every relative link resolves, and every #anchor names a heading of its page', () => {
    const broken: string[] = [];
    for (const file of FILES) {
      for (const { line, target } of links(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
        if (EXTERNAL.test(target)) continue;
        const [rawPath = '', anchor] = target.split('#', 2);
        const where = `${file}:${line}: ${target}`;
        const decoded = decodeURIComponent(rawPath);
        const resolved =
          decoded === ''
            ? file
            : path.posix.normalize(
                decoded.startsWith('/')
                  ? decoded.slice(1)
                  : path.posix.join(path.posix.dirname(file), decoded),
              );
        if (resolved.startsWith('..') || !fs.existsSync(path.join(ROOT, resolved))) {
          broken.push(`${where} (no such file or folder: ${resolved})`);
          continue;
        }
        if (anchor === undefined || !resolved.endsWith('.md')) continue;
        if (!anchors(resolved).has(decodeURIComponent(anchor)))
          broken.push(`${where} (no heading "#${anchor}" in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('repository paths named in the docs', () => {
  const PREFIXES = ['src/', 'test/', 'bench/', 'scripts/', 'migrations/', 'deploy/', 'docs/', 'examples/'];
  const known = repositoryFiles();
  const folders = new Set(
    known.flatMap((f) =>
      f
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => `${parts.slice(0, i + 1).join('/')}/`),
    ),
  );
  const everything = [...known, ...folders];

  /** `*`, `?` and `{a,b}` as a shell would expand them, against the repository's files and folders. */
  function exists(p: string): boolean {
    if (!/[*?{]/.test(p)) return fs.existsSync(path.join(ROOT, p));
    const source = p
      .replace(/[.+^$()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')
      .replace(/\{([^}]*)\}/g, (_, alternatives: string) => `(?:${alternatives.split(',').join('|')})`);
    const re = new RegExp(`^${source}$`);
    return everything.some((f) => re.test(f));
  }

  it('every backticked path of this repository exists (a doc left behind by a move names the old place)', () => {
    const missing: string[] = [];
    for (const file of FILES) {
      for (const l of markdownLines(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
        if (l.code) continue;
        for (const span of codeSpans(l.text)) {
          for (const word of span.split(/\s+/)) {
            const p = word
              .replace(/^\.\//, '')
              .replace(/[,;:)]+$/, '')
              .replace(/(\.[a-z]+):\d+(-\d+)?$/, '$1') // file.ts:45
              .replace(/#.*$/, '');
            if (!PREFIXES.some((x) => p.startsWith(x))) continue;
            // A path: a file with an extension, or a folder written with its slash.
            if (!/\.[A-Za-z0-9]+$/.test(p) && !p.endsWith('/')) continue;
            if (/[<>]/.test(p)) continue; // a placeholder (`build/xapi-etl-processor-<sha256>.zip`)
            if (!exists(p)) missing.push(`${file}:${l.number}: ${p}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
