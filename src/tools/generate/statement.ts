import { type Learner, LMS_HOME, type Section, type Video } from './catalog.js';
import { formatSegments } from './played-segments.js';
import type { SessionEvent, VideoVerb } from './simulate-session.js';

/** Turns simulated session events into xAPI 1.0.3 statements following the xAPI Video Profile. */
export const VIDEO_PROFILE = 'https://w3id.org/xapi/video';
const EXT = `${VIDEO_PROFILE}/extensions`;

export const VERB_IDS: Record<VideoVerb | 'voided', string> = {
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  played: `${VIDEO_PROFILE}/verbs/played`,
  paused: `${VIDEO_PROFILE}/verbs/paused`,
  seeked: `${VIDEO_PROFILE}/verbs/seeked`,
  interacted: 'http://adlnet.gov/expapi/verbs/interacted',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
  voided: 'http://adlnet.gov/expapi/verbs/voided',
};

export interface SessionContext {
  section: Section;
  video: Video;
  learner: Learner;
  sessionId: string;
  userAgent: string;
}

export function actorOf(learner: Learner) {
  return {
    name: learner.name,
    account: { homePage: LMS_HOME, name: learner.accountName },
  };
}

export function videoStatement(id: string, ctx: SessionContext, event: SessionEvent): object {
  const { section, video, learner } = ctx;
  const resultExtensions: Record<string, unknown> = {};
  if (event.verb === 'seeked') {
    resultExtensions[`${EXT}/time-from`] = event.timeFrom;
    resultExtensions[`${EXT}/time-to`] = event.timeTo;
  } else if (event.verb !== 'initialized') {
    resultExtensions[`${EXT}/time`] = event.time;
  }
  if (['paused', 'completed', 'terminated'].includes(event.verb)) {
    resultExtensions[`${EXT}/played-segments`] = formatSegments(event.segments);
    resultExtensions[`${EXT}/progress`] = event.progress;
  }
  const result: Record<string, unknown> = {};
  if (Object.keys(resultExtensions).length > 0) result.extensions = resultExtensions;
  if (event.verb === 'completed') {
    result.completion = true;
    result.duration = isoDuration(event.elapsed);
  }
  if (event.verb === 'terminated') result.duration = isoDuration(event.elapsed);

  const contextExtensions: Record<string, unknown> = { [`${EXT}/session-id`]: ctx.sessionId };
  if (event.verb === 'initialized') {
    contextExtensions[`${EXT}/length`] = video.length;
    contextExtensions[`${EXT}/completion-threshold`] = video.completionThreshold;
    contextExtensions[`${EXT}/user-agent`] = ctx.userAgent;
  } else {
    contextExtensions[`${EXT}/length`] = video.length;
  }
  if (event.verb === 'completed')
    contextExtensions[`${EXT}/completion-threshold`] = video.completionThreshold;
  if (event.verb === 'interacted' || event.verb === 'initialized')
    contextExtensions[`${EXT}/speed`] = `${event.speed}x`;

  return {
    id,
    actor: actorOf(learner),
    verb: { id: VERB_IDS[event.verb], display: { 'en-US': event.verb } },
    object: {
      objectType: 'Activity',
      id: video.id,
      definition: {
        type: `${VIDEO_PROFILE}/activity-type/video`,
        name: { 'en-US': video.title },
      },
    },
    ...(Object.keys(result).length > 0 ? { result } : {}),
    context: {
      registration: learner.registration,
      platform: 'Example LMS',
      language: 'en-US',
      contextActivities: {
        parent: [{ id: section.url }],
        category: [{ id: VIDEO_PROFILE }],
      },
      extensions: contextExtensions,
    },
    timestamp: new Date(event.at).toISOString(),
  };
}

/** A voiding statement: the platform retracts an earlier statement (xAPI 1.0.3 §2.3.2). */
export function voidingStatement(id: string, targetId: string, at: number): object {
  return {
    id,
    actor: { objectType: 'Agent', name: 'LMS administrator', mbox: 'mailto:admin@lms.example.org' },
    verb: { id: VERB_IDS.voided, display: { 'en-US': 'voided' } },
    object: { objectType: 'StatementRef', id: targetId },
    timestamp: new Date(at).toISOString(),
    version: '1.0.3',
  };
}

function isoDuration(ms: number): string {
  return `PT${(Math.max(0, ms) / 1000).toFixed(2)}S`;
}
