import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cellSpecYaml } from '../../src/core/runs/cellSpec';
import { planCells } from '../../src/core/runs/plan';
import { parseSpecs } from '../../src/core/spec/parse';
import type { Spec } from '../../src/core/spec/types';
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';

const EXAMPLES = join(__dirname, '../../../examples');

/** A run record of `spec` as the runner writes it (resolved spec as JSON, cells without images). */
function recordOf(spec: Spec): RunRecord {
  const { range: _r, fieldRanges: _f, lensLine: _l, errorCount: _e, index: _i, ...resolved } = spec;
  const cells: CellRecord[] = planCells(spec, { includeSweep: true }).map((c) => ({
    key: c.key,
    axes: c.axes,
    column: c.column,
    repeat: c.repeat,
    seed: c.settings.seed,
    status: 'success',
    images: [],
    ...(c.variant !== undefined ? { variant: c.variant } : {}),
  }));
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: 'r',
    createdAt: '2026-12-07T14:02:00.000Z',
    status: 'complete',
    spec: { file: 'x.qwenprompt', name: spec.name, id: spec.id, resolved: JSON.parse(JSON.stringify(resolved)) },
    server: { url: 'http://127.0.0.1:8188' },
    cells,
    stats: [],
    ratings: [],
  } as RunRecord;
}

test('every image of every example, written back as a spec, parses cleanly and plans to that one image with the same settings', () => {
  let checked = 0;
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.qwenprompt'))) {
    const parsed = parseSpecs(readFileSync(join(EXAMPLES, file), 'utf8'));
    for (const spec of parsed.specs.filter((s) => s.errorCount === 0)) {
      const record = recordOf(spec);
      const jobs = planCells(spec, { includeSweep: true });
      for (const job of jobs) {
        const yaml = cellSpecYaml(record, job.key);
        assert.ok(yaml, `${file}: ${job.key}`);
        const again = parseSpecs(yaml);
        const errors = again.diagnostics.filter((d) => d.severity === 'error');
        assert.deepEqual(errors, [], `${file} ${job.key}:\n${yaml}`);
        const [one, ...more] = planCells(again.specs[0]);
        assert.equal(more.length, 0, `${file} ${job.key}: one image`);
        assert.deepEqual(one.settings, job.settings, `${file} ${job.key}:\n${yaml}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 30, `checked ${checked} images`);
});

test('the spec of an image names the run and the image, and an unknown cell has none', () => {
  const spec = parseSpecs(readFileSync(join(EXAMPLES, 'steps-study.qwenprompt'), 'utf8')).specs[0];
  const record = recordOf(spec);
  const yaml = cellSpecYaml(record, record.cells[1].key) ?? '';
  assert.match(yaml, /^# One image of the run of 2026-12-07T14:02:00.000Z/);
  assert.match(yaml, new RegExp(`^name: ${spec.name} · ${record.cells[1].column} · seed ${record.cells[1].seed}$`, 'm'));
  assert.match(yaml, /^repeats: 1$/m);
  assert.equal(cellSpecYaml(record, 'nope#r0'), undefined);
});
