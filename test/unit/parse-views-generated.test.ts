import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../../src/schema/parse-views/model-2.js';
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
    // 1.0.3: the ADL suite's id or DATA- and the Data part's anchor; 2.0: DATA2- and the 9274.1.1 table and property.
    const SECTION_1_0 = /^\d+(\.[0-9a-z]+)+$/;
    const SECTION_2_0 = /^9274\.1\.1 [A-Za-z0-9 ()]+(, [A-Za-z]+)?$/;
    for (const k of KINDS) {
      for (const p of k.props) {
        const v2 = (p.rule ?? '').startsWith('DATA2-');
        expect(p.row, `${k.name}.${p.name}`).toMatch(v2 ? SECTION_2_0 : SECTION_1_0);
        expect(p.says, `${k.name}.${p.name}`).not.toBe('');
        if (p.rule) expect(p.rule).toMatch(/^(XAPI-\d{5}|DATA2-[A-Za-z]+(\.[A-Za-z]+)?)$/);
        if (v2) expect(k.versions, `${k.name}.${p.name}: a 2.0 row of a 2.0 kind`).toBe('2.0');
      }
    }
    for (const r of STRICT_RULES) {
      const v2 = r.id.startsWith('DATA2-');
      expect(r.id, r.says).toMatch(/^(XAPI-\d{5}|DATA-\d+(\.[0-9a-z]+)+|DATA2-[A-Za-z]+(\.[A-Za-z]+)?)$/);
      expect(r.section, r.id).toMatch(v2 ? SECTION_2_0 : SECTION_1_0);
      expect(r.on.length, r.id).toBeGreaterThan(0);
    }
  });
});
