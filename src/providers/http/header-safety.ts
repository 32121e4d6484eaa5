/**
 * Credentials travel in headers, so anything that goes wrong while fetch builds those headers can
 * quote them: undici's `Headers.append: "<value>" is an invalid header value` carries the whole
 * value. These helpers reject such values before fetch sees them and strip fetch's own wording from
 * the errors it throws before sending, so a Secret never reaches a message, a condition or an Event.
 */

/** RFC 9110 field-value: visible ASCII, obs-text (0x80-0xFF), and space or tab between them. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** fetch trims these from both ends before validating (Fetch standard, "normalize"). */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** Names the first kind of character that keeps `value` from being a header value, or undefined when it is valid. */
export function invalidHeaderCharacter(value: string): string | undefined {
  const trimmed = value.replace(EDGE_WHITESPACE, "");
  if (FIELD_VALUE.test(trimmed)) return undefined;
  for (const ch of trimmed) {
    const code = ch.codePointAt(0)!;
    if (code === 0x0a || code === 0x0d) return "a line break (CR or LF)";
    if (code === 0x00) return "a NUL character";
    if (code < 0x20 || code === 0x7f) return "a control character";
    if (code > 0xff) return "a character outside Latin-1";
  }
  return "a character headers cannot carry";
}

/**
 * Whether fetch refused the request before sending it (bad header or URL), as opposed to a network
 * failure. Such a refusal is the same on every attempt, so it is never retried.
 */
export function refusedBeforeSending(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  // undici reports header values its dispatcher rejects (DEL, some control characters) as
  // "fetch failed" with an UND_ERR_INVALID_ARG cause; Headers validation throws its own TypeError.
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return err.message !== "fetch failed" || cause?.code === "UND_ERR_INVALID_ARG";
}

/** A stand-in for an error fetch threw before sending: its kind and code survive, its message (which may quote a header) does not. */
export function withheldError(err: unknown): Error {
  const name = err instanceof Error ? err.name : typeof err;
  const code = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return new Error(`${name}${typeof code === "string" ? ` (${code})` : ""}; message withheld because it may quote header values`);
}
