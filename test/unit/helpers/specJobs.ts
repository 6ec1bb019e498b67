import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { ObjectInfo } from '../../../src/core/comfy/objectInfo';
import { planCells } from '../../../src/core/runs/plan';
import { parseSpecs } from '../../../src/core/spec/parse';
import type { JobSettings, Spec } from '../../../src/core/spec/types';

/** The repository root (tests run from out/test/unit). */
export const ROOT = path.resolve(__dirname, '../../../..');

export function readRepoFile(p: string): string {
  return fs.readFileSync(path.join(ROOT, p), 'utf8');
}

/** GET /object_info of a real ComfyUI 0.33 server (core nodes, one tiny SD 1.5 checkpoint). */
export function realObjectInfo(): ObjectInfo {
  const gz = fs.readFileSync(path.join(ROOT, 'test/fixtures/comfy/object_info.json.gz'));
  return JSON.parse(zlib.gunzipSync(gz).toString('utf8')) as ObjectInfo;
}

/** The first spec of `text`, which must have no errors. */
export function specOf(text: string): Spec {
  const r = parseSpecs(text);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return r.specs[0];
}

/** The job of repeat k at `steps`, as the run planner makes it. */
export function jobOf(s: Spec, steps = s.steps[0], k = 0, over: Partial<JobSettings> = {}): JobSettings {
  const cell = planCells(s, { steps: [steps] }).find((c) => c.repeat === k);
  assert.ok(cell, `repeat ${k} at ${steps} steps is planned`);
  return { ...cell.settings, ...over };
}
