// POST /upload/image and /upload/mask as ComfyUI's own frontend sends them (its mask editor: the
// image first, then the mask with `original_ref` naming it; the server keeps the image with the
// mask's alpha, which LoadImage reads as its MASK output, 1 − alpha).
import { ComfyError } from './errors';
import type { HttpClient } from './http';
import type { ImageRef, UploadedImage, UploadOptions } from './types';

export type { UploadedImage, UploadOptions } from './types';

/** 'sub/name.png [input]': the value LoadImage's `image` takes for an upload (folder_paths annotated names). */
export function annotatedName(u: UploadedImage): string {
  return `${u.subfolder ? `${u.subfolder}/` : ''}${u.name} [${u.type}]`;
}

function form(bytes: Uint8Array, fileName: string, opts: UploadOptions): FormData {
  const f = new FormData();
  f.append('image', new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }), fileName);
  f.append('type', 'input');
  if (opts.subfolder) f.append('subfolder', opts.subfolder);
  if (opts.overwrite) f.append('overwrite', 'true');
  return f;
}

async function post(http: HttpClient, path: string, body: FormData, signal?: AbortSignal): Promise<UploadedImage> {
  const r = await http.json<unknown>('POST', path, { form: body, signal });
  const o = r as Partial<UploadedImage> | undefined;
  if (!o || typeof o.name !== 'string' || typeof o.subfolder !== 'string' || typeof o.type !== 'string') {
    throw new ComfyError('badResponse', `POST ${path} at ${http.baseUrl} did not answer {name, subfolder, type}.`, {
      url: http.baseUrl,
      body: r,
    });
  }
  return { name: o.name, subfolder: o.subfolder, type: o.type };
}

/** Uploads a PNG into the server's input folder. */
export function uploadImage(http: HttpClient, bytes: Uint8Array, fileName: string, opts: UploadOptions = {}): Promise<UploadedImage> {
  return post(http, '/upload/image', form(bytes, fileName, opts), opts.signal);
}

/**
 * Uploads a mask for an image already on the server: a PNG of the image's size whose alpha is 0 where
 * the image is to be redrawn. The server saves the original with that alpha under `fileName`.
 */
export function uploadMask(
  http: HttpClient,
  bytes: Uint8Array,
  fileName: string,
  original: UploadedImage | ImageRef,
  opts: UploadOptions = {},
): Promise<UploadedImage> {
  const f = form(bytes, fileName, opts);
  const filename = 'name' in original ? original.name : original.filename;
  f.append('original_ref', JSON.stringify({ filename, subfolder: original.subfolder, type: original.type }));
  return post(http, '/upload/mask', f, opts.signal);
}
