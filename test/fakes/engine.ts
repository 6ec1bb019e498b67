/**
 * The test server's prompt worker: queue by number, one job at a time on real timers, ComfyUI's cache
 * (an identical node signature is not run again), and the exact per-prompt WebSocket sequence of the
 * transcripts. It knows nothing about HTTP or sockets: it talks through a Sink.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiGraph } from '../../src/core/comfy/types';
import { executionOrder, signatures } from './graph';
import { PNG } from 'pngjs';
import { encodePng, fitSize, pyJsonDumps, renderPicture } from './imageGen';
import { FAIL_MARKER, IMAGE_TAES, ObjectInfo, VIDEO_TAES } from './objectInfo';
import { isLink } from './validate';

export interface EngineOptions {
  msPerStep: number;
  loadMs: number;
  nodeMs: number;
  /** A VAE decode's time; a tiny decoder takes a quarter of it. */
  decodeMs: number;
  previews: boolean;
  maxImageSide: number;
}

export interface PreviewMeta {
  node_id: string;
  prompt_id: string;
  display_node_id: string;
  parent_node_id: null;
  real_node_id: string;
  image_type: string;
}

/** Where the engine's messages go; `clientId` undefined means broadcast. */
export interface Sink {
  send(type: string, data: unknown, clientId: string | undefined): void;
  preview(image: Buffer, meta: PreviewMeta, clientId: string | undefined): void;
  /** Before each sampling step's messages (the faults that strike mid-run); the step waits for it. */
  step(k: number, meta: PreviewMeta, clientId: string | undefined): Promise<void>;
}

export interface Job {
  number: number;
  id: string;
  prompt: ApiGraph;
  /** Node ids in the posted order (Python dict order). */
  order: string[];
  extra: Record<string, unknown>;
  outputs: string[];
}

type ImageRef = { filename: string; subfolder: string; type: string };
type Ui = { images: ImageRef[] };
export type HistoryMessage = [string, Record<string, unknown>];
export interface HistoryItem {
  prompt: [number, string, ApiGraph, Record<string, unknown>, string[]];
  outputs: Record<string, Ui>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: HistoryMessage[] };
  meta: Record<string, { node_id: string; display_node: string; parent_node: null; real_node_id: string }>;
}

/** What a fake node produces: just enough to draw the final picture. */
interface Value {
  kind: 'model' | 'latent' | 'cond' | 'image' | 'scalar' | 'other';
  /** What a Primitive* node gives (an INT, FLOAT, BOOLEAN or STRING), read through links by the nodes it feeds. */
  scalar?: unknown;
  width?: number;
  height?: number;
  batch?: number;
  seed?: number;
  steps?: number;
  text?: string;
  /** What else it was made from (sorted `Class.input=value` of every ancestor): the picture's tint and grain. */
  look?: string[];
  /** A VAE that is a tiny decoder (taesd, lighttaew2_1…): it decodes faster. */
  tiny?: boolean;
  /** RGBA of a loaded image (LoadImage), carried through VAEEncode into the latent. */
  pixels?: Buffer;
  /** LoadImage's MASK output: 255 − alpha per pixel (255 = to be redrawn). */
  mask?: Uint8Array;
  /** SetLatentNoiseMask's mask: the sampler redraws only there and keeps the encoded image elsewhere. */
  noiseMask?: Uint8Array;
}

/** Inputs drawn by their own picture parameters, not by the look. */
const DRAWN = new Set(['seed', 'noise_seed', 'steps', 'width', 'height', 'batch_size', 'filename_prefix']);

/** ComfyUI VAELoader's tiny decoders: the image ones by name, the video ones by their vae_approx file. */
const isTinyDecoder = (name: unknown) =>
  typeof name === 'string' && (IMAGE_TAES.includes(name) || VIDEO_TAES.some((t) => name.replace(/\.[^.]*$/, '') === t));

interface Cached {
  value: Value;
  ui?: Ui;
}

class NodeFailure extends Error {
  constructor(
    readonly exceptionType: string,
    message: string,
    readonly traceback: string[],
  ) {
    super(message);
  }
}
class Interrupted extends Error {}
class Abandoned extends Error {}

const GIB = 1024 ** 3;
export const VRAM_TOTAL = 24 * GIB;
const MAX_HISTORY = 10000;

function loaderTraceback(fn: string): string[] {
  return [
    '  File "/opt/ComfyUI/execution.py", line 545, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, v3_data=v3_data)\n',
    '  File "/opt/ComfyUI/execution.py", line 344, in get_output_data\n    return_values = await _async_map_node_over_list(prompt_id, unique_id, obj, input_data_all, obj.FUNCTION, allow_interrupt=True, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, v3_data=v3_data)\n',
    '  File "/opt/ComfyUI/execution.py", line 318, in _async_map_node_over_list\n    await process_inputs(input_dict, i)\n',
    '  File "/opt/ComfyUI/execution.py", line 306, in process_inputs\n    result = f(**inputs)\n             ^^^^^^^^^^^\n',
    `  File "/opt/ComfyUI/nodes.py", line 847, in ${fn}\n    sd, metadata = comfy.utils.load_torch_file(path, return_metadata=True)\n`,
    '  File "/opt/ComfyUI/comfy/utils.py", line 169, in load_torch_file\n    with safetensors.safe_open(ckpt, framework="pt", device=device.type) as f:\n',
  ];
}

export class Engine {
  pending: Job[] = [];
  running: { job: Job; node?: string; interrupted: boolean } | undefined;
  readonly history = new Map<string, HistoryItem>();
  /** Extra VRAM in use by the running job (bytes); system_stats subtracts it. */
  vramInUse = 0;
  stall = () => false;
  /** Prompts started since the server started (the stallAfter switch counts them). */
  started = 0;
  stallMidRun = () => false;
  /** The exception_message a "__fail__" model file raises (a hostile server's markup), when set. */
  failMessage = (): string | undefined => undefined;
  /** The name every saved output image is announced under (executed, history), when set. */
  outputName = (): { filename: string; subfolder: string } | undefined => undefined;
  /** When true, /history lists one more saved image than the `executed` messages named. */
  historyExtraImage = () => false;
  /** How many images each SaveImage announces, when set (the extra ones name its first real file). */
  outputCount = (): number | undefined => undefined;
  /** `subfolder\0filename` as announced -> the file on disk, for /view to serve announced names. */
  readonly announced = new Map<string, string>();
  private cache = new Map<string, Cached>();
  private generation = 0;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly opts: EngineOptions,
    private readonly info: ObjectInfo,
    private readonly sink: Sink,
    readonly outputDir: string,
    readonly tempDir: string,
  ) {}

  queueRemaining(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  status(): void {
    this.sink.send('status', { status: { exec_info: { queue_remaining: this.queueRemaining() } } }, undefined);
  }

  enqueue(job: Job): void {
    this.pending.push(job);
    this.status();
    this.schedule();
  }

  /**
   * POST /queue {delete}: removes the first pending job with this id, never the running one (execution.py
   * PromptQueue.delete_queue_item: a `status`, and one more from wipe_queue when it was the last pending job).
   */
  deletePending(id: string): boolean {
    const i = this.pending.findIndex((j) => j.id === id);
    if (i < 0) {
      return false;
    }
    if (this.pending.length === 1) {
      this.clearPending();
    } else {
      this.pending.splice(i, 1);
    }
    this.status();
    return true;
  }

  clearPending(): void {
    this.pending = [];
    this.status();
  }

  /** nodes.interrupt_processing(): the running job stops at its next check; with nothing running, no effect
   * (execute_async clears the flag when the next prompt starts). */
  interrupt(): void {
    if (this.running) {
      this.running.interrupted = true;
    }
  }

  /** Forgets everything (a ComfyUI restart); a job in flight stops silently. */
  reset(): void {
    this.generation++;
    this.pending = [];
    this.running = undefined;
    this.history.clear();
    this.cache.clear();
    this.vramInUse = 0;
  }

  close(): void {
    this.closed = true;
    this.reset();
    for (const t of this.timers) {
      clearTimeout(t);
    }
    this.timers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private schedule(): void {
    if (this.closed || this.running || this.pending.length === 0) {
      return;
    }
    if (this.stall()) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.schedule();
      }, 20);
      this.timers.add(t);
      return;
    }
    let next = 0;
    for (let i = 1; i < this.pending.length; i++) {
      if (this.pending[i].number < this.pending[next].number) {
        next = i;
      }
    }
    const [job] = this.pending.splice(next, 1);
    this.running = { job, interrupted: false };
    this.started++;
    const gen = this.generation;
    void this.run(job, gen)
      .catch((e) => {
        if (!(e instanceof Abandoned)) {
          throw e;
        }
      })
      .finally(() => {
        if (gen === this.generation) {
          this.running = undefined;
          this.schedule();
        }
      });
  }

  /** Node work: a timer, after which a restart in the meantime abandons the job (no stale messages or cache). */
  private async work(ms: number, gen: number): Promise<void> {
    await this.sleep(ms);
    if (gen !== this.generation) {
      throw new Abandoned();
    }
  }

  /** Throws Abandoned after a restart, Interrupted after /interrupt; hangs while stallMidRun is set. */
  private async checkpoint(gen: number): Promise<void> {
    while (this.stallMidRun() && gen === this.generation && !this.closed) {
      await this.sleep(20);
    }
    if (gen !== this.generation) {
      throw new Abandoned();
    }
    if (this.running?.interrupted) {
      throw new Interrupted();
    }
  }

  private async run(job: Job, gen: number): Promise<void> {
    const client = typeof job.extra.client_id === 'string' ? job.extra.client_id : undefined;
    const toClient = (type: string, data: Record<string, unknown>) => {
      if (client !== undefined) {
        this.sink.send(type, data, client);
      }
    };
    const messages: HistoryMessage[] = [];
    const record = (type: string, data: Record<string, unknown>, always = false) => {
      messages.push([type, data]);
      if (always) {
        this.sink.send(type, data, client);
      } else {
        toClient(type, data);
      }
    };
    this.status();
    record('execution_start', { prompt_id: job.id, timestamp: Date.now() });

    const sigs = signatures(job.prompt);
    const wanted = new Set(sigs.values());
    for (const key of [...this.cache.keys()]) {
      if (!wanted.has(key)) {
        this.cache.delete(key);
      }
    }
    const cachedNodes = job.order.filter((id) => this.cache.has(sigs.get(id)!));
    record('execution_cached', { nodes: cachedNodes, prompt_id: job.id, timestamp: Date.now() });

    const isOutput = (id: string) => this.info[job.prompt[id].class_type]?.output_node === true;
    const order = executionOrder(job.prompt, job.outputs, (id) => cachedNodes.includes(id), isOutput);
    const values = new Map<string, Value>();
    for (const id of cachedNodes) {
      values.set(id, this.cache.get(sigs.get(id)!)!.value);
    }
    const uiOutputs: Record<string, Ui> = {};
    const executed: string[] = [];
    const progress: Record<string, Record<string, unknown>> = {};
    const progressState = (id: string, value: number, max: number, state: string) => {
      progress[id] = { value, max, state, node_id: id, prompt_id: job.id, display_node_id: id, parent_node_id: null, real_node_id: id };
      this.sink.send('progress_state', { prompt_id: job.id, nodes: structuredClone(progress) }, client);
    };
    this.vramInUse = 3 * GIB + this.largestLatent(job.prompt) * 2000;

    let current = '';
    let outcome: 'success' | 'error' | 'interrupted' = 'success';
    try {
      for (const id of order) {
        current = id;
        await this.checkpoint(gen);
        const sig = sigs.get(id)!;
        const hit = this.cache.get(sig);
        if (hit) {
          toClient('executed', { node: id, display_node: id, output: hit.ui ?? null, prompt_id: job.id });
          if (hit.ui) {
            uiOutputs[id] = hit.ui;
          }
          progressState(id, 1, 1, 'finished');
          continue;
        }
        progressState(id, 0, 1, 'running');
        this.running!.node = id;
        toClient('executing', { node: id, display_node: id, prompt_id: job.id });
        const { value, ui, steps } = await this.execute(job, id, values, gen, client, progressState);
        value.look = lookOf(job.prompt, id, values);
        values.set(id, value);
        this.cache.set(sig, { value, ui });
        executed.push(id);
        if (ui) {
          uiOutputs[id] = ui;
          toClient('executed', { node: id, display_node: id, output: ui, prompt_id: job.id });
        }
        progressState(id, steps ?? 1, steps ?? 1, 'finished');
      }
      record('execution_success', { prompt_id: job.id, timestamp: Date.now() });
    } catch (e) {
      if (e instanceof Abandoned) {
        throw e;
      }
      const node = job.prompt[current];
      if (e instanceof Interrupted) {
        outcome = 'interrupted';
        // ComfyUI sends this one even to prompts posted without client_id (as a broadcast).
        record(
          'execution_interrupted',
          { prompt_id: job.id, node_id: current, node_type: node.class_type, executed, timestamp: Date.now() },
          true,
        );
      } else {
        outcome = 'error';
        const f = e instanceof NodeFailure ? e : new NodeFailure('Exception', String((e as Error).message), []);
        const currentInputs: Record<string, unknown[]> = {};
        for (const [k, v] of Object.entries(node.inputs)) {
          if (!isLink(v)) {
            currentInputs[k] = [v];
          }
        }
        record('execution_error', {
          prompt_id: job.id,
          node_id: current,
          node_type: node.class_type,
          executed,
          exception_message: f.message,
          exception_type: f.exceptionType,
          traceback: f.traceback,
          current_inputs: currentInputs,
          current_outputs: Object.keys(job.prompt),
          timestamp: Date.now(),
        });
      }
    }
    this.vramInUse = 0;
    const meta: HistoryItem['meta'] = {};
    for (const id of Object.keys(uiOutputs)) {
      meta[id] = { node_id: id, display_node: id, parent_node: null, real_node_id: id };
    }
    this.history.set(job.id, {
      prompt: [job.number, job.id, job.prompt, job.extra, job.outputs],
      outputs: this.historyExtraImage() ? this.withExtraImage(uiOutputs) : uiOutputs,
      status: { status_str: outcome === 'success' ? 'success' : 'error', completed: outcome === 'success', messages },
      meta,
    });
    if (this.history.size > MAX_HISTORY) {
      this.history.delete(this.history.keys().next().value!);
    }
    this.running = undefined;
    this.status();
    toClient('executing', { node: null, prompt_id: job.id });
  }

  /** A copy of the first saved image under a new name, added to its node's history outputs only. */
  private withExtraImage(outputs: Record<string, Ui>): Record<string, Ui> {
    const out = structuredClone(outputs);
    for (const ui of Object.values(out)) {
      const first = ui.images?.find((r) => r.type === 'output');
      if (!ui.images || !first) {
        continue;
      }
      const dir = path.join(this.outputDir, first.subfolder);
      const filename = first.filename.replace(/\.png$/, '') + 'extra.png';
      fs.copyFileSync(path.join(dir, first.filename), path.join(dir, filename));
      ui.images.push({ filename, subfolder: first.subfolder, type: 'output' });
      break;
    }
    return out;
  }

  private largestLatent(prompt: ApiGraph): number {
    let px = 0;
    for (const n of Object.values(prompt)) {
      const { width, height } = n.inputs;
      if (typeof width === 'number' && typeof height === 'number') {
        px = Math.max(px, width * height);
      }
    }
    return px;
  }

  private async execute(
    job: Job,
    id: string,
    values: Map<string, Value>,
    gen: number,
    client: string | undefined,
    progressState: (id: string, value: number, max: number, state: string) => void,
  ): Promise<{ value: Value; ui?: Ui; steps?: number }> {
    const node = job.prompt[id];
    const cls = node.class_type;
    const inputs = node.inputs;
    const linked = (name: string): Value | undefined => {
      const v = inputs[name];
      return isLink(v) ? values.get(String(v[0])) : undefined;
    };
    const firstLinked = (): Value | undefined => {
      for (const v of Object.values(inputs)) {
        if (isLink(v) && values.has(String(v[0]))) {
          return values.get(String(v[0]));
        }
      }
      return undefined;
    };

    // A value given by a link from a primitive (or a switch choosing one), or written in place.
    const scalar = (name: string): unknown => (isLink(inputs[name]) ? linked(name)?.scalar : inputs[name]);
    if (/^Primitive/.test(cls) && 'value' in inputs) {
      return { value: { kind: 'scalar', scalar: inputs.value } };
    }
    if (cls === 'ComfySwitchNode') {
      // Only the selected branch matters, as ComfyUI's lazy on_true/on_false inputs make it.
      return { value: linked(scalar('switch') ? 'on_true' : 'on_false') ?? { kind: 'other' } };
    }
    if (/Loader/.test(cls)) {
      await this.work(this.opts.loadMs, gen);
      const files = Object.values(inputs).filter((v): v is string => typeof v === 'string');
      const bad = files.find((f) => f.includes(FAIL_MARKER));
      if (bad) {
        const fn = /Checkpoint/.test(cls)
          ? 'load_checkpoint'
          : /VAE/.test(cls)
            ? 'load_vae'
            : /CLIP/.test(cls)
              ? 'load_clip'
              : /Lora/.test(cls)
                ? 'load_lora'
                : 'load_unet';
        throw new NodeFailure(
          'safetensors._safetensors_rust.SafetensorError',
          this.failMessage() ?? 'Error while deserializing header: header too large\n',
          loaderTraceback(fn),
        );
      }
      return {
        value: { ...(linked('model') ?? { kind: 'model' }), ...(/VAE/.test(cls) && isTinyDecoder(inputs.vae_name) ? { tiny: true } : {}) },
      };
    }
    if (cls === 'LoadImage') {
      await this.work(this.opts.nodeMs, gen);
      const file = typeof inputs.image === 'string' ? this.inputFile(inputs.image) : undefined;
      if (!file) throw new NodeFailure('FileNotFoundError', `[Errno 2] No such file or directory: '${String(inputs.image)}'\n`, []);
      const png = PNG.sync.read(fs.readFileSync(file));
      const mask = new Uint8Array(png.width * png.height);
      for (let i = 0; i < mask.length; i++) mask[i] = 255 - png.data[i * 4 + 3];
      return { value: { kind: 'image', width: png.width, height: png.height, pixels: png.data, mask } };
    }
    if (cls === 'VAEEncode' || cls === 'SetLatentNoiseMask') {
      await this.work(this.opts.nodeMs, gen);
      const source = linked(cls === 'VAEEncode' ? 'pixels' : 'samples') ?? { kind: 'latent' };
      const noiseMask = cls === 'SetLatentNoiseMask' ? linked('mask')?.mask : source.noiseMask;
      return { value: { ...source, kind: 'latent', ...(noiseMask ? { noiseMask } : {}) } };
    }
    const num = (name: string) => {
      const v = scalar(name);
      return typeof v === 'number' ? v : undefined;
    };
    const total = num('steps');
    if (total !== undefined && isLink(inputs.latent_image)) {
      const latent = linked('latent_image') ?? { kind: 'latent' };
      // KSamplerAdvanced runs its part of the schedule: steps start_at_step..end_at_step of `steps`.
      const start = Math.min(num('start_at_step') ?? 0, total);
      const end = Math.min(num('end_at_step') ?? total, total);
      const steps = Math.max(0, end - start);
      const seed = num('seed') ?? num('noise_seed') ?? 0;
      const text = linked('positive')?.text ?? '';
      const method = job.extra.preview_method;
      const previews = this.opts.previews && (method === 'auto' || method === 'latent2rgb' || method === 'taesd');
      const [pw, ph] = fitSize(latent.width ?? 512, latent.height ?? 512, 128);
      const meta: PreviewMeta = {
        node_id: id,
        prompt_id: job.id,
        display_node_id: id,
        parent_node_id: null,
        real_node_id: id,
        image_type: 'image/png',
      };
      for (let k = 1; k <= steps; k++) {
        await this.sleep(this.opts.msPerStep);
        await this.checkpoint(gen);
        await this.sink.step(k, meta, client);
        await this.checkpoint(gen);
        progressState(id, k, steps, 'running');
        if (previews) {
          const png = encodePng(renderPicture({ width: pw, height: ph, seed, steps: k, text }), pw, ph);
          this.sink.preview(png, meta, client);
        }
        this.sink.send('progress', { value: k, max: steps, prompt_id: job.id, node: id }, client);
      }
      // The picture's steps: how far along the schedule the latent now is.
      return { value: { ...latent, kind: 'latent', seed, steps: end, text }, steps };
    }
    if (/^VAEDecode/.test(cls)) {
      const vae = linked('vae');
      await this.work(vae?.tiny ? this.opts.decodeMs / 4 : this.opts.decodeMs, gen);
      const samples = linked('samples') ?? { kind: 'latent' };
      return { value: { ...samples, kind: 'image' } };
    }
    await this.work(this.opts.nodeMs, gen);
    if (typeof inputs.width === 'number' && typeof inputs.height === 'number') {
      return {
        value: {
          kind: 'latent',
          width: inputs.width,
          height: inputs.height,
          batch: typeof inputs.batch_size === 'number' ? inputs.batch_size : 1,
        },
      };
    }
    if (typeof inputs.text === 'string') {
      return { value: { kind: 'cond', text: inputs.text } };
    }
    if (cls === 'SaveImage' || cls === 'PreviewImage') {
      const img = linked('images') ?? { kind: 'image' };
      return { value: img, ui: { images: this.save(job, cls === 'SaveImage', img, inputs.filename_prefix) } };
    }
    const passed = firstLinked();
    return { value: passed ? { ...passed, kind: /Decode/.test(cls) ? 'image' : passed.kind } : { kind: 'other' } };
  }

  /** The file LoadImage reads: 'sub/name.png [input]' inside the server's input (output, temp) folder. */
  private inputFile(annotated: string): string | undefined {
    const m = /^(.*?)(?: \[(input|output|temp)\])?$/.exec(annotated);
    const base = path.join(path.dirname(this.outputDir), m?.[2] ?? 'input');
    const file = path.resolve(base, m?.[1] ?? '');
    return file.startsWith(base + path.sep) && fs.existsSync(file) ? file : undefined;
  }

  /** The picture of one batch item: drawn from seed, text and steps; a loaded image sampled under a
   * noise mask is that image outside the mask and the drawn picture inside it (an inpaint). */
  private picture(img: Value, b: number, width: number, height: number): Buffer {
    const w = img.pixels ? img.width! : width;
    const h = img.pixels ? img.height! : height;
    const drawn = renderPicture({
      width: w,
      height: h,
      seed: (img.seed ?? 0) + b,
      steps: img.steps ?? 20,
      text: img.text ?? '',
      look: (img.look ?? []).join('|'),
    });
    if (!img.pixels || !img.noiseMask) return drawn;
    const out = Buffer.from(img.pixels);
    for (let i = 0; i < w * h; i++) {
      const t = img.noiseMask[i] / 255;
      for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(img.pixels[i * 4 + c] * (1 - t) + drawn[i * 4 + c] * t);
      out[i * 4 + 3] = 255;
    }
    return out;
  }

  /** Writes the batch as PNGs named like ComfyUI: <prefix>_<counter:05>_.png, counter after the highest on disk. */
  private save(job: Job, output: boolean, img: Value, prefixInput: unknown): ImageRef[] {
    const rawPrefix = output
      ? typeof prefixInput === 'string'
        ? prefixInput
        : 'ComfyUI'
      : 'ComfyUI_temp_' + Array.from({ length: 5 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
    const base = output ? this.outputDir : this.tempDir;
    const subfolder = path.posix.dirname(rawPrefix) === '.' ? '' : path.posix.dirname(rawPrefix);
    const prefix = path.posix.basename(rawPrefix);
    const dir = path.resolve(base, subfolder);
    if (dir !== base && !dir.startsWith(base + path.sep)) {
      throw new NodeFailure('Exception', 'Saving image outside the output folder is not allowed.\n', []);
    }
    fs.mkdirSync(dir, { recursive: true });
    const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d{5,})_`);
    let counter = 1;
    for (const f of fs.readdirSync(dir)) {
      const m = re.exec(f);
      if (m) {
        counter = Math.max(counter, Number(m[1]) + 1);
      }
    }
    const [width, height] = fitSize(img.width ?? 512, img.height ?? 512, this.opts.maxImageSide);
    const text: [string, string][] = [['prompt', pyJsonDumps(job.prompt)]];
    const pnginfo = job.extra.extra_pnginfo;
    if (pnginfo && typeof pnginfo === 'object') {
      for (const [k, v] of Object.entries(pnginfo)) {
        text.push([k, pyJsonDumps(v)]);
      }
    }
    const refs: ImageRef[] = [];
    for (let b = 0; b < Math.max(1, img.batch ?? 1); b++) {
      const filename = `${prefix}_${String(counter).padStart(5, '0')}_.png`;
      fs.writeFileSync(
        path.join(dir, filename),
        encodePng(this.picture(img, b, width, height), img.pixels ? img.width! : width, img.pixels ? img.height! : height, text),
      );
      const alias = output ? this.outputName() : undefined;
      if (alias) {
        this.announced.set(`${alias.subfolder}\0${alias.filename}`, path.join(dir, filename));
      }
      refs.push({ ...(alias ?? { filename, subfolder }), type: output ? 'output' : 'temp' });
      counter++;
    }
    const many = output ? (this.outputCount() ?? 0) : 0;
    if (many > refs.length) {
      const first = path.join(dir, `${prefix}_${String(counter - refs.length).padStart(5, '0')}_.png`);
      for (let i = refs.length; i < many; i++) {
        const name = `${prefix}_many_${String(i).padStart(6, '0')}_.png`;
        this.announced.set(`${subfolder}\0${name}`, first);
        refs.push({ filename: name, subfolder, type: 'output' });
      }
    }
    return refs;
  }
}

/** The node's literal inputs (but those drawn otherwise) and its ancestors' looks, sorted: equal settings, equal pictures. */
function lookOf(prompt: ApiGraph, id: string, values: Map<string, Value>): string[] {
  const node = prompt[id];
  const out = new Set<string>();
  for (const [k, v] of Object.entries(node.inputs)) {
    if (isLink(v)) {
      for (const l of values.get(String(v[0]))?.look ?? []) out.add(l);
    } else if (!DRAWN.has(k) && (node.class_type !== 'CLIPTextEncode' || k !== 'text')) {
      out.add(`${node.class_type}.${k}=${JSON.stringify(v)}`);
    }
  }
  return [...out].sort();
}
