import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../../src/schema/parse-views/model.js';
import { STRICT_RULES } from '../../src/schema/parse-views/rules.js';
import { rulesDoc } from '../../src/schema/parse-views/rules-doc.js';
import { parseViewsSql } from '../../src/schema/parse-views/views.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

describe('the generated parse views and rule list', () => {
  it('migrations/derived/10_parse_views.sql is what the generator writes (run `npm run schema:generate`)', () => {
    expect(read('migrations/derived/10_parse_views.sql')).toBe(parseViewsSql());
  });

  it('docs/xapi-rules.md is what the generator writes (run `npm run schema:generate`)', () => {
    expect(read('docs/xapi-rules.md')).toBe(rulesDoc());
  });

  it('every rule names its section of the specification and says what it requires', () => {
    for (const k of KINDS) {
      for (const p of k.props) {
        expect(p.row, `${k.name}.${p.name}`).toMatch(/^\d+(\.[0-9a-z]+)+$/);
        expect(p.says, `${k.name}.${p.name}`).not.toBe('');
        if (p.rule) expect(p.rule).toMatch(/^XAPI-\d{5}$/);
      }
    }
    for (const r of STRICT_RULES) {
      expect(r.id, r.says).toMatch(/^(XAPI-\d{5}|DATA-\d+(\.[0-9a-z]+)+)$/);
      expect(r.section, r.id).toMatch(/^\d+(\.[0-9a-z]+)+$/);
      expect(r.on.length, r.id).toBeGreaterThan(0);
    }
  });
});
