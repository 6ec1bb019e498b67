/**
 * POST /upload/image and /upload/mask as ComfyUI's server.py does them (image_upload,
 * upload_mask): a multipart form with `image` (the file), `type` (input | temp | output, default
 * input), `subfolder`, `overwrite`; the answer `{name, subfolder, type}`. A name already taken gets
 * ' (1)', ' (2)', … before its extension unless the bytes are the same (then the file is reused);
 * a subfolder outside the folder, a missing file or file name answer 400 with no body. /upload/mask
 * also takes `original_ref` (JSON `{filename, subfolder, type}`) and saves the original image with
 * the mask's alpha channel as its own, which LoadImage then reads as the mask (1 − alpha). As in
 * server.py, a missing original_ref is a 500 (json.loads(None)), and a refused or missing original
 * saves nothing yet still answers 200 with the name (image_upload ignores what the save returns).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

export interface FormPart {
  name: string;
  filename?: string;
  data: Buffer;
}

/** multipart/form-data parts (aiohttp's request.post()); none for any other body. */
export function parseMultipart(body: Buffer, contentType: string | undefined): FormPart[] {
  const m = /^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!m) return [];
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(boundary);
  while (at >= 0) {
    const start = at + boundary.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(boundary, start);
    if (next < 0) break;
    const chunk = body.subarray(start + 2, next - 2); // after CRLF, before CRLF
    const split = chunk.indexOf('\r\n\r\n');
    if (split >= 0) {
      const head = chunk.subarray(0, split).toString('utf8');
      const name = /name="([^"]*)"/i.exec(head)?.[1];
      const filename = /filename="([^"]*)"/i.exec(head)?.[1];
      if (name !== undefined) parts.push({ name, ...(filename !== undefined ? { filename } : {}), data: chunk.subarray(split + 4) });
    }
    at = next;
  }
  return parts;
}

type Reply = { status: number; body?: string; type?: string };
const bad = (): Reply => ({ status: 400 });

export class Uploads {
  constructor(private readonly root: string) {}

  /** Where ComfyUI keeps each upload type (folder_paths.get_input/temp/output_directory). */
  dir(type: string): string | undefined {
    return ['input', 'temp', 'output'].includes(type) ? path.join(this.root, type) : undefined;
  }

  /** An annotated name as LoadImage takes it: 'sub/name.png [input]' (no annotation = input). */
  resolve(annotated: string): string | undefined {
    const m = /^(.*?)(?: \[(input|output|temp)\])?$/.exec(annotated);
    const base = this.dir(m?.[2] ?? 'input');
    if (!m || !base) return undefined;
    const file = path.resolve(base, m[1]);
    return file.startsWith(base + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile() ? file : undefined;
  }

  image(parts: FormPart[]): Reply {
    return this.upload(parts);
  }

  mask(parts: FormPart[]): Reply {
    const field = (n: string) => parts.find((p) => p.name === n && p.filename === undefined)?.data.toString('utf8');
    return this.upload(parts, (mask, filepath) => {
      // server.py: original_ref's file (annotated or by type, never '/' or '..'), alpha from the mask.
      const raw = field('original_ref');
      if (raw === undefined) throw new TypeError('the JSON object must be str, bytes or bytearray, not NoneType');
      const ref = JSON.parse(raw) as { filename?: string; subfolder?: string; type?: string };
      const filename = ref.filename;
      if (!filename || filename.startsWith('/') || filename.includes('..')) return;
      const m = /^(.*?)(?: \[(input|output|temp)\])?$/.exec(filename)!;
      let dir = this.dir(m[2] ?? ref.type ?? 'output');
      if (!dir) return;
      if (ref.subfolder) {
        const full = path.resolve(dir, ref.subfolder);
        if (!full.startsWith(dir + path.sep) && full !== dir) return;
        dir = full;
      }
      const file = path.join(dir, m[1]);
      if (!fs.existsSync(file)) return;
      const original = PNG.sync.read(fs.readFileSync(file));
      const alpha = PNG.sync.read(mask);
      for (let i = 0; i < original.width * original.height; i++) {
        const x = i % original.width;
        const y = Math.floor(i / original.width);
        // PIL's putalpha needs the same size; the frontend always sends the mask at the image's size.
        const j = y < alpha.height && x < alpha.width ? (y * alpha.width + x) * 4 + 3 : -1;
        original.data[i * 4 + 3] = j >= 0 ? alpha.data[j] : 255;
      }
      fs.writeFileSync(filepath, PNG.sync.write(original));
    });
  }

  private upload(parts: FormPart[], save?: (data: Buffer, filepath: string) => void): Reply {
    const field = (n: string) => parts.find((p) => p.name === n && p.filename === undefined)?.data.toString('utf8');
    const image = parts.find((p) => p.name === 'image' && p.filename !== undefined);
    const type = field('type') ?? 'input';
    const uploadDir = this.dir(type);
    // get_dir_by_type leaves its folder unbound for any other type: an UnboundLocalError, a 500.
    if (!uploadDir) throw new Error(`local variable 'type_dir' referenced before assignment`);
    if (!image) return bad();
    let filename = image.filename ?? '';
    if (!filename) return bad();
    const subfolder = field('subfolder') ?? '';
    const folder = path.resolve(uploadDir, path.normalize(subfolder));
    let filepath = path.resolve(folder, filename);
    if (!filepath.startsWith(uploadDir + path.sep)) return bad();
    fs.mkdirSync(folder, { recursive: true });
    const overwrite = field('overwrite');
    let duplicate = false;
    if (overwrite !== 'true' && overwrite !== '1') {
      const ext = path.extname(filename);
      const stem = filename.slice(0, filename.length - ext.length);
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      for (let i = 1; fs.existsSync(filepath); i++) {
        if (sha(fs.readFileSync(filepath)) === sha(image.data)) {
          duplicate = true;
          break;
        }
        filename = `${stem} (${i})${ext}`;
        filepath = path.join(folder, filename);
      }
    }
    if (!duplicate) {
      if (save) save(image.data, filepath);
      else fs.writeFileSync(filepath, image.data);
    }
    return { status: 200, body: JSON.stringify({ name: filename, subfolder, type }), type: 'application/json; charset=utf-8' };
  }
}
