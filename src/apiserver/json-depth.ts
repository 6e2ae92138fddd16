// How deep a request body may nest. The handlers' code walks objects
// recursively (field validation, the merge patches, rendering an invalid value
// for its message), and a body nested a few thousand levels deep overflowed
// the stack there: a 500 "Maximum call stack size exceeded" for what is the
// client's mistake. So a body is measured, without recursion, before it is
// parsed, and one nested deeper than MAX_JSON_DEPTH is refused as a bad body.
//
// Upstream's decoder (Go's encoding/json scanner) stops at 10,000 levels with
// "exceeded max depth"; podnet stops at 1,000, a third of the shallowest
// overflow seen (about 3,000 levels, a strategic merge patch), since node's
// stack, unlike a goroutine's, does not grow. No Kubernetes object nests more
// than a few dozen levels; only a value that is refused anyway, or an unknown
// field that is dropped, could go deeper.

export const MAX_JSON_DEPTH = 1000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * true when the JSON text opens more than `max` arrays and objects inside one
 * another. Brackets inside strings do not count. Text that is not JSON is
 * measured all the same; JSON.parse refuses it afterwards.
 */
export function exceedsJsonDepth(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++; // the escaped character, a quote perhaps, is skipped
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}
