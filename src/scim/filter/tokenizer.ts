/**
 * Tokenizer for RFC 7644 §3.4.2.2 filters. Splitting on spaces or keywords breaks on values that
 * contain them (`displayName eq "Sales and Marketing"`), so the parser works on these tokens only.
 */
export type Token =
  | { kind: "lparen" | "rparen" | "lbracket" | "rbracket"; pos: number }
  | { kind: "string"; value: string; pos: number }
  | { kind: "number"; value: number; pos: number }
  | { kind: "word"; value: string; pos: number };

export class FilterSyntaxError extends Error {}

const PUNCT: Record<string, Token["kind"]> = { "(": "lparen", ")": "rparen", "[": "lbracket", "]": "rbracket" };
// Attribute paths (with URN prefixes, dots and $ref), keywords and literals like true/null.
const WORD = /[A-Za-z_$.][-\w$.:]*/y;
const NUMBER = /-?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w.])/y;

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
      continue;
    }
    const punct = PUNCT[ch];
    if (punct) {
      tokens.push({ kind: punct, pos: i } as Token);
      i++;
      continue;
    }
    if (ch === '"') {
      const end = stringEnd(input, i);
      let value: unknown;
      try {
        value = JSON.parse(input.slice(i, end));
      } catch {
        throw new FilterSyntaxError(`invalid string literal at position ${i}`);
      }
      tokens.push({ kind: "string", value: value as string, pos: i });
      i = end;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(input);
    if (num) {
      tokens.push({ kind: "number", value: Number(num[0]), pos: i });
      i += num[0].length;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(input);
    if (word) {
      tokens.push({ kind: "word", value: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    throw new FilterSyntaxError(`unexpected character ${JSON.stringify(ch)} at position ${i}`);
  }
  return tokens;
}

/** Index just past the closing quote of the string literal that starts at `start`. */
function stringEnd(input: string, start: number): number {
  for (let i = start + 1; i < input.length; i++) {
    const ch = input[i];
    if (ch === "\\") i++;
    else if (ch === '"') return i + 1;
  }
  throw new FilterSyntaxError(`unterminated string starting at position ${start}`);
}
