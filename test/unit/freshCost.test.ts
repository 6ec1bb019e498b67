import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureJob } from '../../src/core/runs/timing';
import { columnStats } from '../../src/core/runs/stats';
import { recordStats } from '../../src/core/runs/gpuStats';
import type { CellRecord } from '../../src/shared/runRecord';
import { postedPromptIds, readTranscript, transcriptOutcome } from './helpers/transcripts';

// One real ComfyUI session, in the order it was recorded: smoke (every node ran), cached (the same prompt
// again: all seven nodes cached), interrupt (4, 5, 6, 7 cached; the sampler interrupted), then the sweep
// (20/40/60 steps at 512×512: the first prompt runs 5, 3, 8, 9; the next two only 3, 8, 9).
// Graph: 4 checkpoint loader, 5 empty latent, 6/7 text encoders, 3 KSampler, 8 VAEDecode, 9 SaveImage.
function sessionCells(names: string[]): CellRecord[] {
  const cells: CellRecord[] = [];
  for (const name of names) {
    const rows = readTranscript(name);
    for (const id of postedPromptIds(rows)) {
      const outcome = transcriptOutcome(rows, id);
      const graph = outcome.history!.prompt[2];
      const timings = measureJob(outcome, {
        samplerNode: '3',
        loaderNodes: ['4'],
        classOf: (n) => graph[n]?.class_type,
        graph,
        outputNodes: ['9'],
      })!;
      const steps = Number(graph['3'].inputs.steps);
      cells.push({
        key: `${name}:${cells.length}`,
        axes: { steps },
        column: `${steps} steps`,
        repeat: 0,
        seed: Number(graph['3'].inputs.seed),
        status: timings.cached ? 'cached' : outcome.status,
        graph,
        images: [],
        timings,
      });
    }
  }
  return cells;
}

const nodeMs = (c: CellRecord, node: string) => c.timings!.nodes.find((n) => n.node === node)!.ms;

test('a job is cached only when nothing ran: the repeated prompt, not a job that reused the loader and encoders', () => {
  const [smoke, cached, interrupted, ...sweep] = sessionCells(['smoke', 'cached', 'interrupt', 'sweep']);
  assert.equal(smoke.timings!.cached, false);
  assert.equal(cached.timings!.cached, true, 'all seven nodes came from the cache');
  assert.equal(interrupted.timings!.cached, false, 'its sampler ran (and was interrupted)');
  for (const c of sweep) {
    assert.equal(c.timings!.cached, false);
    assert.deepEqual(
      c.timings!.nodes.map((n) => n.node),
      c === sweep[0] ? ['5', '3', '8', '9'] : ['3', '8', '9'],
    );
  }
});

test('fresh cost prices each reused node at its time in the job of the run that ran it', () => {
  const cells = sessionCells(['smoke', 'cached', 'interrupt', 'sweep']);
  columnStats(cells);
  const [smoke, cached, , s20, s40, s60] = cells;
  assert.equal(cached.timings!.fresh, undefined, 'a wholly cached job measured nothing and has no cost of its own');
  // The smoke job ran everything: its fresh cost is its execution time.
  assert.deepEqual(smoke.timings!.fresh!.reused, []);
  assert.equal(smoke.timings!.fresh!.ms, smoke.timings!.executionMs);

  // The sweep's first job reused the text encoders that the smoke job ran (the loader is the cold part, left out).
  const f20 = s20.timings!.fresh!;
  assert.deepEqual(
    f20.reused.map((r) => [r.node, r.from, r.ms]),
    [
      ['6', smoke.key, nodeMs(smoke, '6')],
      ['7', smoke.key, nodeMs(smoke, '7')],
    ],
  );
  assert.deepEqual(f20.unpriced, []);
  assert.equal(f20.measuredMs, s20.timings!.executionMs);
  assert.equal(f20.ms, s20.timings!.executionMs + nodeMs(smoke, '6') + nodeMs(smoke, '7'));

  // The next two reused the 512×512 latent as well, which the sweep's first job ran (not the 64×64 one of smoke).
  for (const c of [s40, s60]) {
    const f = c.timings!.fresh!;
    assert.deepEqual(
      f.reused.map((r) => [r.node, r.from]),
      [
        ['5', s20.key],
        ['6', smoke.key],
        ['7', smoke.key],
      ],
    );
    assert.equal(f.ms, c.timings!.executionMs + nodeMs(s20, '5') + nodeMs(smoke, '6') + nodeMs(smoke, '7'));
    assert.equal(f.decodeMs, nodeMs(c, '8'), 'decode time from the per-node times');
  }
});

test('reused nodes that no job of the run ran are named unpriced, not priced at zero', () => {
  const [s20, s40] = sessionCells(['sweep']);
  columnStats([s20, s40]);
  assert.deepEqual(s20.timings!.fresh!.unpriced, ['6', '7'], 'the encoders were cached before the run began');
  assert.deepEqual(s40.timings!.fresh!.unpriced, ['6', '7']);
  assert.deepEqual(
    s40.timings!.fresh!.reused.map((r) => r.node),
    ['5'],
  );
});

test('statistics use the fresh cost and show the measured part beside it; the repeated prompt is left out', () => {
  const cells = sessionCells(['smoke', 'cached', 'sweep']);
  const stats = columnStats(cells);
  const s8 = stats.find((s) => s.column === '8 steps')!;
  assert.equal(s8.cachedCount, 1);
  assert.equal(s8.all!.n, 1, 'the cached repeat measured nothing');
  const s40 = stats.find((s) => s.column === '40 steps')!;
  const cell = cells.find((c) => c.column === '40 steps')!;
  assert.equal(s40.all!.mean, cell.timings!.fresh!.ms);
  assert.equal(s40.measured!.mean, cell.timings!.executionMs);
  assert.ok(s40.all!.mean > s40.measured!.mean, 'reused nodes cost something');
  assert.equal(s40.reusedCount, 1);
  assert.equal(s40.unpricedCount, undefined);
  assert.equal(s40.samplingMs!.mean, cell.timings!.samplingMs, 'the sampler ran in the job itself');
});

test('a node reused on one pool server is priced from a job on that server, never from another server', () => {
  const cells = sessionCells(['smoke', 'sweep']);
  const [smoke, s20] = cells;
  smoke.server = 'gpu-a';
  s20.server = 'gpu-b';
  columnStats([smoke, s20]);
  assert.deepEqual(s20.timings!.fresh!.reused, [], "gpu-b's cache never held gpu-a's encoders");
  assert.deepEqual(s20.timings!.fresh!.unpriced, ['6', '7']);
});

test('a pool run is priced once over all its cells: a cell of no listed server keeps its fresh cost', () => {
  const [smoke, s20, s40] = sessionCells(['smoke', 'sweep']);
  smoke.server = 'gpu-a';
  s20.server = 'gpu-b';
  s40.server = 'gpu-gone'; // made by a server the record no longer lists
  const servers = [
    { name: 'gpu-a', url: 'http://a', gpu: 'NVIDIA GeForce RTX 4090', vramTotalBytes: 24 * 1024 ** 3 },
    { name: 'gpu-b', url: 'http://b', gpu: 'NVIDIA GeForce RTX 3090', vramTotalBytes: 24 * 1024 ** 3 },
  ];
  const out = recordStats({ server: servers[0], servers, cells: [smoke, s20, s40] });
  assert.equal(out.statsByGpu?.length, 2, 'two GPU kinds, each apart');
  // The per-kind passes see only their own kind's cells; pricing there alone left this one without a cost.
  assert.ok(s40.timings!.fresh, 'priced although no kind holds it');
  assert.deepEqual(s40.timings!.fresh!.reused, [], "nothing of gpu-a's or gpu-b's cache");
  assert.equal(s20.timings!.fresh!.ms, s20.timings!.executionMs, 'gpu-b reused nothing gpu-a ran');
  assert.deepEqual(s20.timings!.fresh!.unpriced, ['6', '7']);
});
