// One rating round as its own file: what the panel saves under a run's ratings/ folder, what the
// rate pack downloads and `import-ratings` adds. One file per rater and round, so rounds made in
// several clones of a repository merge in git without touching each other.
import { isCriterion, isScore } from './criteria';
import type { DefectRegion, Rating } from './runRecord';

export const ROUND_FORMAT = 'qwenprompt-ratings';

/** A vote as a round file keeps it: the round's rater, time and blindness are the file's. */
export type RoundVote = Pick<Rating, 'cell' | 'image' | 'scores' | 'note' | 'unrequested' | 'missing' | 'regions'>;

export interface RoundFile {
  format: typeof ROUND_FORMAT;
  version: 1;
  /** The id of the run rated (a file made for another run is refused). */
  run: string;
  rater: string;
  round: string;
  at: string;
  blind: boolean;
  votes: RoundVote[];
}

/** Longest rater name, tag and word kept: these are labels, not prose. */
export const MAX_LABEL = 80;
const MAX_TAGS = 50;
const MAX_REGIONS = 50;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLabel = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0 && v.length <= MAX_LABEL;
const isFraction = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;

/** Tags as a rater typed them: trimmed, lower-cased, each once, empty ones dropped. */
export function cleanTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const x = t.trim().toLowerCase().replace(/\s+/g, ' ').slice(0, MAX_LABEL);
    if (x && !out.includes(x)) out.push(x);
  }
  return out.slice(0, MAX_TAGS);
}

/** "pendant, extra flower" → ['pendant', 'extra flower']. */
export function parseTags(text: string): string[] {
  return cleanTags(text.split(/[,;\n]/));
}

export function isRegion(r: unknown): r is DefectRegion {
  return (
    isObject(r) &&
    isFraction(r.x) &&
    isFraction(r.y) &&
    isFraction(r.w) &&
    isFraction(r.h) &&
    (r.x as number) + (r.w as number) <= 1.0001 &&
    (r.y as number) + (r.h as number) <= 1.0001 &&
    typeof r.criterion === 'string' &&
    isCriterion(r.criterion) &&
    isLabel(r.word)
  );
}

/** A vote's tags (unrequested, missing) are short words and its regions boxes inside the image, where given. */
export function areVoteExtras(v: Record<string, unknown>): boolean {
  const tagsOk = (t: unknown) => t === undefined || (Array.isArray(t) && t.length <= MAX_TAGS && t.every(isLabel));
  const regionsOk = v.regions === undefined || (Array.isArray(v.regions) && v.regions.length <= MAX_REGIONS && v.regions.every(isRegion));
  return tagsOk(v.unrequested) && tagsOk(v.missing) && regionsOk;
}

/** The problem with a vote of a round file, or undefined when it is well formed. */
function voteProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'a vote is not an object';
  if (typeof v.cell !== 'string' || !v.cell || v.cell.length > 512) return 'a vote names no image';
  if (typeof v.image !== 'string' || v.image.length > 512) return `the vote on "${v.cell}" names no image file`;
  if (!isObject(v.scores)) return `the vote on "${v.cell}" has no scores`;
  for (const [k, x] of Object.entries(v.scores)) {
    if (!isCriterion(k)) return `the vote on "${v.cell}" scores an unknown criterion "${k}"`;
    if (!isScore(x)) return `the vote on "${v.cell}" gives ${k} ${JSON.stringify(x)}, not a whole number 1–5`;
  }
  if (v.note !== undefined && !(typeof v.note === 'string' && v.note.length <= 2000)) return `the note on "${v.cell}" is not text`;
  for (const f of ['unrequested', 'missing'] as const) {
    const t = v[f];
    if (t !== undefined && !(Array.isArray(t) && t.length <= MAX_TAGS && t.every(isLabel)))
      return `the ${f} tags on "${v.cell}" are not short words`;
  }
  if (v.regions !== undefined && !(Array.isArray(v.regions) && v.regions.length <= MAX_REGIONS && v.regions.every(isRegion))) {
    return `a defect region on "${v.cell}" is not a box inside the image with a criterion and a word`;
  }
  return undefined;
}

/** Checks a parsed round file; throws an error that says what is wrong with it. */
export function parseRoundFile(v: unknown): RoundFile {
  if (!isObject(v) || v.format !== ROUND_FORMAT) throw new Error('This is not a qwenprompt ratings file.');
  if (v.version !== 1) throw new Error(`This ratings file is of version ${String(v.version)}; this qwenprompt reads version 1.`);
  if (typeof v.run !== 'string' || !v.run) throw new Error('The ratings file names no run.');
  if (!isLabel(v.rater)) throw new Error('The ratings file names no rater.');
  if (typeof v.round !== 'string' || !/^[\w.:-]{1,80}$/.test(v.round)) throw new Error('The ratings file has no valid round id.');
  if (typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at))) throw new Error('The ratings file has no valid time.');
  if (typeof v.blind !== 'boolean') throw new Error('The ratings file does not say whether the round was blind.');
  if (!Array.isArray(v.votes) || v.votes.length > 10_000) throw new Error('The ratings file has no list of votes.');
  for (const vote of v.votes) {
    const p = voteProblem(vote);
    if (p) throw new Error(`In the ratings file, ${p}.`);
  }
  return v as unknown as RoundFile;
}

/** A name safe in a file name: "Ana María" → "ana-maria". */
export function raterSlug(rater: string): string {
  const s = rater
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return s || 'rater';
}

/** `ratings/<rater>-<round>.json`: unique per rater and round, so two clones never write one file. */
export function roundFileName(rater: string, round: string): string {
  return `${raterSlug(rater)}-${round.replace(/[^\w.-]/g, '-')}.json`;
}

/** A round id: the time to the second and six random hex digits. */
export function newRoundId(at: string, randomHex: string): string {
  return `${at.replace(/\.\d+Z$/, 'Z').replace(/:/g, '')}-${randomHex}`;
}

/** The round's votes as the record's ratings. */
export function roundRatings(f: RoundFile): Rating[] {
  return f.votes.map((v) => ({ ...v, at: f.at, round: f.round, rater: f.rater, ...(f.blind ? { blind: true } : {}) }));
}
