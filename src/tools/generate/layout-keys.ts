import { gzipSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import { fileFormat } from '../../plan/file-format.js';
import { compileKeyLayout } from '../../plan/key-layout.js';
import { type Bundle, bundleBody } from './bundles.js';

/** A bundle as written: its key under a layout, and its bytes. */
export interface EncodedBundle {
  key: string;
  body: string | Uint8Array;
}

/**
 * Writes generated bundles under another key layout (`xapi-etl generate --layout … --gzip`), e.g.
 * `firehose/section={section_id}/{yyyy}/{mm}/{dd}/{hh}/*`: the placeholders take the bundle's section, event type
 * and time; a `*` that is the whole file name becomes a name as Firehose writes them (`xapi-etl-1-2024-03-04-20-13-23-331`,
 * no extension), any other `*` becomes `bundle-<time>`; `--gzip` compresses the body and adds `.gz`. Each key is
 * checked against the layout it was written for.
 */
export function layoutEncoder(
  template: string | undefined,
  gzip: boolean,
): (bundle: Bundle) => EncodedBundle {
  const layout = template ? compileKeyLayout(template) : undefined;
  return (bundle) => {
    let key = bundle.key;
    if (layout) {
      const name = key.slice(key.lastIndexOf('/') + 1);
      const stamp = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z)/.exec(name)?.[1] ?? '';
      const time = new Date(stamp.replace(/T(\d\d)-(\d\d)-(\d\d)/, 'T$1:$2:$3'));
      const iso = time.toISOString();
      const eventType = key.split('/').at(-2) ?? 'video';
      key = layout.template
        .replace('{section_id}', bundle.sectionId)
        .replace('{event_type}', eventType)
        .replace('{yyyy}', iso.slice(0, 4))
        .replace('{mm}', iso.slice(5, 7))
        .replace('{dd}', iso.slice(8, 10))
        .replace('{hh}', iso.slice(11, 13))
        .replace('{timestamp}', stamp)
        .replace(/\/\*$/, `/xapi-etl-1-${stamp.replace(/[T.]/g, '-').replace(/Z$/, '')}`)
        .replace(/\*/g, `bundle-${stamp}`);
      if (!layout.parse(key))
        throw new InputError(`--layout ${template}: cannot write a key it matches (got ${key})`);
    }
    const compress = gzip || fileFormat(key)?.compression === 'gzip';
    if (gzip && fileFormat(key)?.compression !== 'gzip') key = `${key}.gz`;
    const text = bundleBody(bundle);
    return { key, body: compress ? gzipSync(text) : text };
  };
}
