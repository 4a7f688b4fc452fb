/**
 * Tokens of the RFC 7644 §3.4.2.2 filter grammar (also used for PATCH paths, §3.5.2): brackets,
 * quoted strings (JSON escapes; single quotes accepted leniently, as some clients send
 * `emails[type eq 'work']`), and words (attribute paths, operators, keywords, literals). Every
 * token keeps its position so errors can point at the exact character.
 */
import { badRequest, type ScimType, show } from './errors.ts';

export type TokenKind = '(' | ')' | '[' | ']' | 'string' | 'word' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for strings, with the quotes). */
  text: string;
  /** Zero-based offset into the source. */
  pos: number;
  /** The decoded value of a string token. */
  value?: string;
}

const WORD_END = new Set([' ', '\t', '\n', '\r', '(', ')', '[', ']', '"', "'"]);

export function tokenize(source: string, scimType: ScimType, what: string): Token[] {
  const fail = (pos: number, message: string) =>
    badRequest(scimType, `Invalid ${what} ${show(source)}: ${message} at character ${pos + 1}`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ kind: c, text: c, pos: i });
      i++;
    } else if (c === '"' || c === "'") {
      const start = i;
      i++;
      while (i < source.length && source[i] !== c) i += source[i] === '\\' ? 2 : 1;
      if (i >= source.length) throw fail(start, `the string starting with ${c} is not closed`);
      i++;
      const text = source.slice(start, i);
      tokens.push({
        kind: 'string',
        text,
        pos: start,
        value: decodeString(text, () => fail(start, 'bad escape in string')),
      });
    } else {
      const start = i;
      while (i < source.length && !WORD_END.has(source[i]!)) i++;
      tokens.push({ kind: 'word', text: source.slice(start, i), pos: start });
    }
  }
  tokens.push({ kind: 'end', text: '', pos: source.length });
  return tokens;
}

function decodeString(text: string, fail: () => Error): string {
  if (text[0] === "'") {
    // Lenient single-quoted form: \' and \\ are escapes, everything else is literal.
    return text.slice(1, -1).replace(/\\(['\\])/g, '$1');
  }
  try {
    return JSON.parse(text) as string;
  } catch {
    throw fail();
  }
}
