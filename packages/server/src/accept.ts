/**
 * Content negotiation for compile: JSON unless the client prefers raw bytes. `Accept:
 * application/octet-stream` (or a format's own media type, see MEDIA_TYPES) over `application/json`
 * means "the model file itself".
 */

/** Media types that name one format's model file; `application/octet-stream` takes the format from `format`. */
export const MEDIA_TYPES: Readonly<Record<string, string>> = Object.freeze({
  'application/vnd.hypertx.onnx': 'onnx',
  'application/vnd.hypertx.tflite': 'tflite',
  'application/vnd.hypertx.tflite-int8': 'tflite-int8',
  'application/vnd.hypertx.hxcnn': 'hxcnn',
});

export const OCTET_STREAM = 'application/octet-stream';

export type Negotiated = { kind: 'json' } | { kind: 'raw'; mediaType: string; format: string | undefined };

interface Range {
  type: string;
  q: number;
}

function parseAccept(header: string): Range[] {
  return header
    .split(',')
    .map((item) => {
      const [type = '', ...params] = item.trim().split(';');
      const qParam = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('q='));
      const q = qParam ? Number(qParam.slice(2)) : 1;
      return { type: type.trim().toLowerCase(), q: Number.isFinite(q) ? q : 0 };
    })
    .filter((r) => r.type !== '');
}

/** q of `mediaType` under the most specific matching range (0 when none matches). */
function quality(ranges: Range[], mediaType: string): number {
  const [major] = mediaType.split('/');
  const exact = ranges.find((r) => r.type === mediaType);
  if (exact) return exact.q;
  const partial = ranges.find((r) => r.type === `${major}/*`);
  if (partial) return partial.q;
  return ranges.find((r) => r.type === '*/*')?.q ?? 0;
}

export function negotiate(accept: string | undefined): Negotiated {
  if (!accept) return { kind: 'json' };
  const ranges = parseAccept(accept);
  const json = quality(ranges, 'application/json');
  let best: { mediaType: string; q: number } | undefined;
  // Only named types count for raw bytes: `*/*` alone still means JSON.
  for (const type of [OCTET_STREAM, ...Object.keys(MEDIA_TYPES)]) {
    const range = ranges.find((r) => r.type === type);
    if (range && range.q > 0 && (!best || range.q > best.q)) best = { mediaType: type, q: range.q };
  }
  if (!best || best.q <= json) return { kind: 'json' };
  return { kind: 'raw', mediaType: best.mediaType, format: MEDIA_TYPES[best.mediaType] };
}
