/**
 * ComfyUI's binary WebSocket frames (1 = legacy preview, 4 = preview with a JSON metadata header): a big-endian uint32 event, then a payload.
 * Parsed without copying the image bytes.
 */

export type BinaryFrame =
  /** Event 4: preview with a JSON header naming the prompt and node. */
  | { kind: 'preview'; event: 4; mime: string; data: Uint8Array; promptId?: string; nodeId?: string }
  /** Event 1: preview without ids (legacy socket); belongs to whichever prompt last reported progress. */
  | { kind: 'preview'; event: 1; mime: string; data: Uint8Array }
  /** Event 3: a node's progress text. */
  | { kind: 'text'; nodeId: string; text: string }
  | { kind: 'unknown'; event: number };

export const BINARY_EVENT = { previewImage: 1, text: 3, previewWithMetadata: 4 } as const;

const IMAGE_FORMAT_MIME: Record<number, string> = { 1: 'image/jpeg', 2: 'image/png' };

/** Returns undefined for a frame too short to hold its own header. */
export function parseBinaryFrame(buf: Uint8Array): BinaryFrame | undefined {
  if (buf.byteLength < 4) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const event = view.getUint32(0, false);
  switch (event) {
    case BINARY_EVENT.previewImage: {
      if (buf.byteLength < 8) return undefined;
      const format = view.getUint32(4, false);
      return { kind: 'preview', event: 1, mime: IMAGE_FORMAT_MIME[format] ?? 'image/jpeg', data: buf.subarray(8) };
    }
    case BINARY_EVENT.previewWithMetadata: {
      if (buf.byteLength < 8) return undefined;
      const n = view.getUint32(4, false);
      if (8 + n > buf.byteLength) return undefined;
      let meta: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n)));
        if (parsed && typeof parsed === 'object') meta = parsed as Record<string, unknown>;
      } catch {
        return undefined;
      }
      const frame: BinaryFrame = {
        kind: 'preview',
        event: 4,
        mime: typeof meta.image_type === 'string' ? meta.image_type : 'image/jpeg',
        data: buf.subarray(8 + n),
      };
      if (typeof meta.prompt_id === 'string') frame.promptId = meta.prompt_id;
      if (typeof meta.node_id === 'string') frame.nodeId = meta.node_id;
      return frame;
    }
    case BINARY_EVENT.text: {
      if (buf.byteLength < 8) return undefined;
      const n = view.getUint32(4, false);
      if (8 + n > buf.byteLength) return undefined;
      const dec = new TextDecoder();
      return { kind: 'text', nodeId: dec.decode(buf.subarray(8, 8 + n)), text: dec.decode(buf.subarray(8 + n)) };
    }
    default:
      return { kind: 'unknown', event };
  }
}

/** Builds a frame as the server sends it; used by tests and the test server. */
export function encodePreviewFrame(image: Uint8Array, meta?: Record<string, unknown>): Uint8Array {
  if (!meta) {
    const out = new Uint8Array(8 + image.byteLength);
    const view = new DataView(out.buffer);
    view.setUint32(0, BINARY_EVENT.previewImage, false);
    view.setUint32(4, 1, false);
    out.set(image, 8);
    return out;
  }
  const header = new TextEncoder().encode(JSON.stringify(meta));
  const out = new Uint8Array(8 + header.byteLength + image.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, BINARY_EVENT.previewWithMetadata, false);
  view.setUint32(4, header.byteLength, false);
  out.set(header, 8);
  out.set(image, 8 + header.byteLength);
  return out;
}
