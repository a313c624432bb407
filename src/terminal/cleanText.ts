// Text a server chose (a problem's detail, a redirect's location) goes into error messages
// that terminals log and show. Cleaned first: no control characters (a forged log line, a
// terminal escape sequence), no bidirectional overrides (text that reads other than it is),
// and a bounded length (a megabyte of detail in every log line).

/** The longest text from a server that an error message repeats. */
export const MAX_SERVER_TEXT = 300;

// C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every unsafe character replaced by U+FFFD and cut to `max` characters (an
 * ellipsis marks the cut).
 * @example cleanText('bad\r\nINFO forged line') // 'bad\uFFFD\uFFFDINFO forged line'
 */
export function cleanText(text: string, max = MAX_SERVER_TEXT): string {
  const chars = Array.from(text.length > max * 2 ? text.slice(0, max * 2) : text);
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
  return cut.replace(UNSAFE, '\uFFFD');
}
