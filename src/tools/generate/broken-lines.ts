/**
 * Lines a real platform sometimes writes that cannot be loaded, one per rejection reason the pipeline
 * knows, so the demo and tests show rejection with a reason.
 */
export const BROKEN_LINES: readonly { reason: string; line: (id: string, at: string) => string }[] = [
  {
    reason: 'invalid_json',
    line: (id) => `{"id":"${id}","actor":{"objectType":"Agent","name":"cut off mid-wri`,
  },
  {
    reason: 'missing_verb_id',
    line: (id, at) =>
      JSON.stringify({
        id,
        actor: { mbox: 'mailto:someone@example.org' },
        verb: { display: { 'en-US': 'played' } },
        object: { id: 'https://lms.example.org/unknown' },
        timestamp: at,
      }),
  },
  {
    reason: 'invalid_timestamp',
    line: (id) =>
      JSON.stringify({
        id,
        actor: { mbox: 'mailto:someone@example.org' },
        verb: { id: 'https://w3id.org/xapi/video/verbs/played' },
        object: { id: 'https://lms.example.org/unknown' },
        timestamp: 'yesterday at noon',
      }),
  },
  {
    reason: 'missing_actor',
    line: (id, at) =>
      JSON.stringify({
        id,
        verb: { id: 'https://w3id.org/xapi/video/verbs/paused' },
        object: { id: 'https://lms.example.org/unknown' },
        timestamp: at,
      }),
  },
  { reason: 'not_an_object', line: () => '["a", "JSON", "array"]' },
];
