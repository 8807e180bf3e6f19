import { GatewayError } from '../errors/gateway-error';

/**
 * Media in a chat request that may carry text: a data: URL or a file's base64 `file_data`. Text files
 * (text/*, JSON, XML, YAML, CSV, NDJSON, by type or, for bare base64, by file name) are decoded so the input
 * policy judges what the provider will read, and re-encoded in the same form when the policy redacts
 * them. Anything else (images, audio, PDFs, text that is not UTF-8) is opaque media: the engine cannot read
 * it, and the policy's `media` setting decides whether it may go.
 */

const TEXT_TYPE =
  /^(?:text\/[\w.+-]+|application\/(?:[\w.-]+\+)?(?:json|xml|yaml|x-yaml|x-ndjson|ndjson|csv|javascript|x-sh|sql))$/;
const TEXT_FILE_NAME =
  /\.(?:txt|text|md|markdown|csv|tsv|json|jsonl|ndjson|xml|ya?ml|html?|log|ini|toml|sql|sh)$/i;
/** Canonical base64 only: a provider must not read bytes the gateway decoded differently. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The scheme is case-insensitive (RFC 2397): `DATA:` must not slip past as a remote URL. */
export const isDataUrl = (value: string): boolean => /^data:/i.test(value);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A text file inside a string, and how to write a redacted text back in the same form. */
export interface EmbeddedText {
  text: string;
  encode(text: string): string;
}

/** A text file the gateway cannot decode exactly as a provider would: refused, never forwarded unjudged. */
const malformed = (what: string): GatewayError =>
  new GatewayError('invalid_request', `Invalid request: ${what}.`, 'messages');

/**
 * A data: URL (`data:[type][;params][;base64],payload`). Returns the decoded text for a text type, null
 * for opaque media; throws a 400 GatewayError for a text type whose payload does not decode canonically.
 */
export function dataUrlText(url: string): EmbeddedText | null {
  const comma = url.indexOf(',');
  if (!isDataUrl(url) || comma < 0) return null;
  const header = url.slice(5, comma);
  const params = header.split(';');
  const type = (params[0] || 'text/plain').trim().toLowerCase();
  if (!TEXT_TYPE.test(type)) return null;
  const isBase64 = params[params.length - 1].trim().toLowerCase() === 'base64';
  const payload = url.slice(comma + 1);
  const prefix = url.slice(0, comma + 1);
  if (isBase64) {
    const text = decodeBase64Text(payload);
    if (text === null) return null;
    return { text, encode: (t) => prefix + Buffer.from(t, 'utf8').toString('base64') };
  }
  let text: string;
  try {
    text = decodeURIComponent(payload);
  } catch {
    throw malformed('a data: URL of a text type is not validly percent-encoded');
  }
  return { text, encode: (t) => prefix + encodeURIComponent(t) };
}

/** A file part's `file_data`: a data: URL, or bare base64 whose file name says text. */
export function fileDataText(fileData: string, filename: unknown): EmbeddedText | null {
  if (isDataUrl(fileData)) return dataUrlText(fileData);
  if (typeof filename !== 'string' || !TEXT_FILE_NAME.test(filename)) return null;
  const text = decodeBase64Text(fileData);
  if (text === null) return null;
  return { text, encode: (t) => Buffer.from(t, 'utf8').toString('base64') };
}

/** UTF-8 text of canonical base64; null when the bytes are not UTF-8 (opaque media, then). */
function decodeBase64Text(payload: string): string | null {
  if (!BASE64.test(payload)) throw malformed('a text file is not canonical base64');
  try {
    return utf8.decode(Buffer.from(payload, 'base64'));
  } catch {
    return null;
  }
}

/**
 * A decoded text file is judged (and re-encoded in its own form when replaced); opaque media (`embedded`
 * null) is reported to `media` and passed as sent.
 */
export function visitEmbedded(
  raw: string,
  embedded: EmbeddedText | null,
  visit: (text: string) => string,
  media: () => void,
): string {
  if (!embedded) {
    media();
    return raw;
  }
  const replaced = visit(embedded.text);
  return replaced === embedded.text ? raw : embedded.encode(replaced);
}
