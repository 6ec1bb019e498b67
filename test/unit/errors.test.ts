import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ComfyError,
  httpError,
  isComfyError,
  networkCode,
  nodeErrorsList,
  unreachableError,
  userMessage,
} from '../../src/core/comfy/errors';
import { readTranscript, type TranscriptRow } from './helpers/transcripts';

const URL_ = 'http://127.0.0.1:8188';
const bad = readTranscript('badinputs');
const qwen = readTranscript('qwen_errors');

function row(rows: TranscriptRow[], note: string): TranscriptRow {
  const r = rows.find((x) => x.note === note);
  assert.ok(r, `transcript row '${note}'`);
  return r;
}

function fromRow(rows: TranscriptRow[], note: string): ComfyError {
  const r = row(rows, note);
  return httpError(r.status, r.body, URL_, `${r.method} ${r.path}`);
}

describe('httpError on the real 400 bodies', () => {
  it('unknown sampler: validation naming node, class, input, received value and the list size', () => {
    const e = fromRow(bad, 'unknown sampler');
    assert.equal(e.kind, 'validation');
    assert.equal(e.status, 400);
    assert.match(e.message, /node 3 \(KSampler\), input sampler_name: 'not_a_sampler' is not an allowed value/);
    assert.match(e.message, /44 values/);
    assert.deepEqual(
      e.nodeErrors?.map((n) => [n.node, n.classType, n.input, n.type, n.received]),
      [['3', 'KSampler', 'sampler_name', 'value_not_in_list', 'not_a_sampler']],
    );
  });

  it('unknown scheduler lists the allowed schedulers from input_config', () => {
    const e = fromRow(bad, 'unknown scheduler');
    assert.match(e.message, /'nope' is not an allowed value \(allowed: 'simple', 'sgm_uniform', 'karras'/);
  });

  it('out-of-range and type errors keep the bounds and what was received', () => {
    assert.match(fromRow(bad, 'steps zero').message, /input steps: Value 0 smaller than min of 1/);
    assert.match(fromRow(bad, 'cfg too high').message, /input cfg: Value 1000\.0 bigger than max of 100\.0/);
    assert.match(fromRow(bad, 'width not int').message, /node 5 \(EmptyLatentImage\), input width: 'wide' has the wrong type/);
    assert.match(fromRow(bad, 'missing input').message, /input seed: required input is missing/);
  });

  it('links: wrong type and absent node', () => {
    assert.match(fromRow(bad, 'link of wrong type').message, /input positive: is linked to a LATENT output but needs CONDITIONING/);
    assert.match(
      fromRow(bad, 'link to absent node').message,
      /input samples: links to a node that is missing or invalid \(KeyError: '999'\)/,
    );
  });

  it('missing node class: invalidPrompt telling to install the node pack', () => {
    const e = fromRow(bad, 'unknown class');
    assert.equal(e.kind, 'invalidPrompt');
    assert.match(e.message, /Node 1 \(NoSuchNode\) is not installed on the server: install the custom node pack/);
    const gguf = fromRow(qwen, 'gguf graph without the GGUF node pack');
    assert.match(gguf.message, /Node 37 \(UnetLoaderGGUF\) is not installed/);
  });

  it('no outputs and a bad prompt id are invalidPrompt with their own words', () => {
    const none = fromRow(bad, 'no output node');
    assert.equal(none.kind, 'invalidPrompt');
    assert.match(none.message, /no output node/);
    const id = fromRow(bad, 'non-uuid prompt_id');
    assert.equal(id.kind, 'invalidPrompt');
    assert.match(id.message, /prompt id: .*canonical lowercase/);
  });

  it('a LoRA the server does not have: the empty list says none is installed', () => {
    const e = fromRow(qwen, 'lightning lora not installed');
    assert.equal(e.kind, 'validation');
    assert.match(
      e.message,
      /node 70 \(LoraLoaderModelOnly\), input lora_name: .* \(allowed: none: the server has no such files installed\)/,
    );
  });

  it('500 carries the first line of the plain-text body; 403 says how to get past the guard', () => {
    const e500 = fromRow(bad, 'malformed json');
    assert.equal(e500.kind, 'server');
    assert.match(e500.message, /HTTP 500\): 500 Internal Server Error\./);
    const e403 = fromRow(bad, 'cross origin');
    assert.equal(e403.kind, 'forbidden');
    assert.match(e403.message, /--enable-cors-header/);
    assert.match(e403.message, /token/);
  });

  it('401, 404 and other 4xx', () => {
    assert.equal(httpError(401, '', URL_, 'GET /queue').kind, 'unauthorized');
    assert.equal(fromRow(bad, 'missing').kind, 'notFound');
    assert.equal(fromRow(bad, 'traversal').kind, 'badRequest');
  });
});

describe('nodeErrorsList', () => {
  it('flattens several errors of several nodes and survives junk', () => {
    const body = {
      error: { type: 'prompt_outputs_failed_validation' },
      node_errors: {
        '3': {
          class_type: 'KSampler',
          errors: [
            { type: 'required_input_missing', message: 'Required input is missing', details: 'seed', extra_info: { input_name: 'seed' } },
            { type: 'custom_thing', message: 'Odd', details: 'detail text', extra_info: {} },
          ],
        },
        '8': { class_type: 'VAEDecode', errors: 'not a list' },
      },
    };
    const list = nodeErrorsList(body);
    assert.deepEqual(list, [
      { node: '3', classType: 'KSampler', input: 'seed', type: 'required_input_missing', message: 'required input is missing' },
      { node: '3', classType: 'KSampler', type: 'custom_thing', message: 'Odd: detail text' },
    ]);
    assert.deepEqual(nodeErrorsList('text'), []);
    assert.deepEqual(nodeErrorsList(null), []);
  });
});

describe('network errors and helpers', () => {
  it('finds the code inside undici-style nesting and a dual-stack AggregateError', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED ::1:8188'), { code: 'ECONNREFUSED' });
    const agg = new AggregateError([new Error('x'), inner]);
    const top = new TypeError('fetch failed', { cause: agg });
    assert.equal(networkCode(top), 'ECONNREFUSED');
    assert.equal(networkCode(new Error('plain')), undefined);
  });

  it('unreachable names the URL and the settings to change', () => {
    const e = unreachableError(URL_);
    assert.equal(
      e.message,
      `No ComfyUI server answers at ${URL_}. Is ComfyUI running? Start it or change qwenprompt.comfy.url / --server.`,
    );
    assert.equal(userMessage(e), e.message);
    assert.equal(isComfyError(e, 'unreachable'), true);
    assert.equal(isComfyError(e, 'timeout'), false);
    assert.equal(isComfyError(new Error('x')), false);
    assert.equal(userMessage('plain'), 'plain');
  });
});
