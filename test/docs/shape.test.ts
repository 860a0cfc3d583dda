import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { markdownFiles, markdownLines, tableCells } from './markdown.js';

/**
 * The docs stay readable as plain text and in a diff: the README a few screens (what it is, the quick start,
 * using it on your data, the main settings, links), no prose line over 200 characters, and tables without
 * padding (`| a | b |`, `|---|---|`). Before: a 74 KB README that turned into a design document, tables padded
 * to their widest cell (kilobytes of spaces, a one-word change rewrote every row) and lines of 300+
 * characters.
 */
const README_MAX_BYTES = 15 * 1024;
const PROSE_MAX = 200;
const FILES = markdownFiles();

describe('Markdown shape', () => {
  it(`README.md is at most ${README_MAX_BYTES} bytes`, () => {
    expect(fs.statSync(path.join(ROOT, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it(`no prose line is longer than ${PROSE_MAX} characters (code blocks and table rows aside)`, () => {
    const long: string[] = [];
    for (const file of FILES) {
      for (const l of markdownLines(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
        if (l.code || l.table) continue;
        if ([...l.text].length > PROSE_MAX) long.push(`${file}:${l.number} (${[...l.text].length})`);
      }
    }
    expect(long).toEqual([]);
  });

  it('no table is padded: one space each side of a cell, separators written |---|', () => {
    const padded: string[] = [];
    for (const file of FILES) {
      for (const l of markdownLines(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
        if (!l.table) continue;
        const row = l.text.trim();
        const cells = tableCells(row);
        if (cells.every((c) => /^\s*:?-+:?\s*$/.test(c))) {
          if (!/^\|(?::?-+:?\|)+$/.test(row))
            padded.push(`${file}:${l.number}: separator ${row.slice(0, 40)}`);
          continue;
        }
        const bad = cells.find((c) => /^\s{2,}|\s{2,}$/.test(c));
        if (bad !== undefined) padded.push(`${file}:${l.number}: cell "${bad.slice(0, 40)}"`);
      }
    }
    expect(padded).toEqual([]);
  });
});
