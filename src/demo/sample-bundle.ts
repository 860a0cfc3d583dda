import { createHash } from 'node:crypto';

/**
 * A small, deterministic bundle of xAPI Video Profile statements for the quick demo: a few learners
 * who initialize, play, pause and complete one video, plus one broken line to show rejection.
 */
const VIDEO = 'https://w3id.org/xapi/video';
const VERBS = {
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  played: `${VIDEO}/verbs/played`,
  paused: `${VIDEO}/verbs/paused`,
  completed: 'http://adlnet.gov/expapi/verbs/completed',
};

export function sampleBundle(
  sectionId: string,
  learners = 5,
  start = new Date('2024-01-01T12:00:00Z'),
): string {
  const lines: string[] = [];
  const videoId = `https://example.org/section/${sectionId}/videos/intro`;
  const length = 120;
  for (let l = 0; l < learners; l++) {
    const actor = {
      objectType: 'Agent',
      account: { homePage: 'https://lms.example.org', name: `learner-${l}` },
    };
    const session = uuidFrom(`${sectionId}:${l}`);
    const stop = l % 2 === 0 ? length : 40 + l * 10;
    const events: [keyof typeof VERBS, Record<string, unknown>][] = [
      ['initialized', {}],
      ['played', { [`${VIDEO}/extensions/time`]: 0 }],
      [
        'paused',
        {
          [`${VIDEO}/extensions/time`]: stop,
          [`${VIDEO}/extensions/played-segments`]: `0[.]${stop}`,
          [`${VIDEO}/extensions/progress`]: stop / length,
        },
      ],
    ];
    if (stop === length)
      events.push([
        'completed',
        { [`${VIDEO}/extensions/time`]: length, [`${VIDEO}/extensions/progress`]: 1 },
      ]);
    events.forEach(([verb, resultExtensions], i) => {
      lines.push(
        JSON.stringify({
          id: uuidFrom(`${sectionId}:${l}:${i}`),
          actor,
          verb: { id: VERBS[verb], display: { 'en-US': verb } },
          object: {
            objectType: 'Activity',
            id: videoId,
            definition: { type: `${VIDEO}/activity-type/video`, name: { 'en-US': 'Intro' } },
          },
          result: Object.keys(resultExtensions).length ? { extensions: resultExtensions } : undefined,
          context: {
            contextActivities: { category: [{ id: VIDEO }] },
            extensions: {
              [`${VIDEO}/extensions/session-id`]: session,
              [`${VIDEO}/extensions/length`]: length,
            },
          },
          timestamp: new Date(start.getTime() + (l * 600 + i * 30) * 1000).toISOString(),
        }),
      );
    });
  }
  lines.push('{"actor": this line is broken on purpose');
  return `${lines.join('\n')}\n`;
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
