import { randomUUID } from 'node:crypto';

/** A small JSONL bundle of valid xAPI statements (unique ids), optionally ending with broken lines. */
export function makeBundle(statements: number, options: { broken?: number; video?: boolean } = {}): string {
  const lines: string[] = [];
  for (let i = 0; i < statements; i += 1) {
    lines.push(
      JSON.stringify({
        id: randomUUID(),
        actor: { mbox: `mailto:learner${i}@example.com`, objectType: 'Agent' },
        verb: options.video
          ? { id: 'https://w3id.org/xapi/video/verbs/played', display: { 'en-US': 'played' } }
          : { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
        object: { id: `http://example.com/activity/${i}`, objectType: 'Activity' },
        timestamp: '2024-01-01T00:00:00.000Z',
      }),
    );
  }
  for (let i = 0; i < (options.broken ?? 0); i += 1) lines.push('{"actor": broken');
  return `${lines.join('\n')}\n`;
}

/** The key as AWS writes it into S3 event notifications: URL-encoded, a space as "+". */
export function awsEncodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, '+'),
    )
    .join('/');
}
