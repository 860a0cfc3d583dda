import { sqlString } from '../sql-literal.js';

/**
 * The parse views are stacks of SELECT layers, read from the bottom up: each layer reads only the columns of the
 * one below (ClickHouse plans the view for every block it inserts: a value used twice is a column of a lower
 * layer, never a WITH alias, which would be analysed again at every use).
 *
 * Generated columns say which columns they read; `stack` puts each one in the lowest layer its inputs allow.
 */
export interface Column {
  name: string;
  sql: string;
  /** Columns of lower layers this one reads (names not defined here come from below the stack). */
  reads: string[];
  /** A comment written above it. */
  note?: string;
}

export interface Layer {
  title: string;
  columns: Column[];
}

export function stack(columns: Column[], title: (level: number, cols: Column[]) => string): Layer[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const level = new Map<string, number>();
  const levelOf = (c: Column, seen: string[] = []): number => {
    const known = level.get(c.name);
    if (known !== undefined) return known;
    if (seen.includes(c.name)) throw new Error(`column cycle: ${[...seen, c.name].join(' → ')}`);
    const below = c.reads.map((r) => {
      const dep = byName.get(r);
      return dep ? levelOf(dep, [...seen, c.name]) : 0;
    });
    const l = 1 + Math.max(0, ...below);
    level.set(c.name, l);
    return l;
  };
  const layers: Column[][] = [];
  for (const c of columns) {
    const l = levelOf(c);
    const layer = layers[l - 1] ?? [];
    layer.push(c);
    layers[l - 1] = layer;
  }
  return layers.map((cols, i) => ({ title: title(i + 1, cols), columns: cols }));
}

/** `SELECT *, a AS x, b AS y FROM (inner)`, with each column's note as a comment. */
export function selectLayer(layer: Layer, inner: string, indent = '    '): string {
  const cols = layer.columns.map((c) => {
    const note = c.note ? `${indent}-- ${c.note}\n` : '';
    return `${note}${indent}${c.sql.replace(/\n/g, `\n${indent}`)} AS ${c.name}`;
  });
  return `-- ${layer.title}\nSELECT *,\n${cols.join(',\n')}\nFROM (\n${inner}\n)`;
}

/** The path of property `prop` under the object at path `at` (the statement itself is at ''). */
export const childPath = (at: string, prop: string): string =>
  `concat(${at}, if(${at} = '', '', '.'), '${prop}')`;

/** A path as a rejection shows it. */
export const shownPath = (at: string): string => `if(${at} = '', 'statement', ${at})`;

/**
 * A constant table lookup, `key` → its value ('' when absent), for string values: transform() looks the key up
 * in a hash table (a Map literal scans its keys), which counts when it runs for every key of every object.
 */
export function lookup(entries: [string, string][], key: string, indent = '    '): string {
  const keys = entries.map(([k]) => sqlString(k));
  const values = entries.map(([, v]) => v);
  return `transform(${key},\n${indent}    [${keys.join(', ')}],\n${indent}    [${values.join(', ')}], '')`;
}
