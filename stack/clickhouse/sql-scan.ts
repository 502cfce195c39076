/**
 * Just enough of ClickHouse's lexer to route a statement without parsing it: its kind (first keyword),
 * the output format of its `FORMAT` clause, the `{name:Type}` parameters it uses, whether more than one
 * statement was sent, and, for `INSERT ... FORMAT X` / `INSERT ... VALUES`, where the header ends and the
 * inline data begins. The engine still parses and checks everything; a scan that is unsure leaves the
 * statement alone.
 *
 * Works on any string, including a latin1 view of raw bytes (SQL syntax is ASCII; other bytes only occur
 * inside literals, quoted names, comments or the inline data, which are skipped whole), so offsets can
 * be used on the request bytes directly.
 */

export type TokenKind = 'word' | 'string' | 'quoted' | 'number' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
  /** Upper-cased text for words, the character for punctuation, '' otherwise. */
  readonly upper: string;
}

/** Where an INSERT's inline data starts, and what the header around it looks like. */
export interface InsertDataClause {
  /** The input format: the `FORMAT` name, or `Values` for `VALUES`. */
  readonly format: string;
  /** Offset of `FORMAT` / `VALUES`. */
  readonly markerStart: number;
  /** Offset just after the format name / `VALUES`. */
  readonly markerEnd: number;
  /** Offset of the first data byte (whitespace up to and including the first newline skipped). */
  readonly dataStart: number;
  /** Offset of a top-level `SETTINGS` keyword before the marker, if any. */
  readonly settingsStart: number | undefined;
  /** True when the marker is `VALUES` (the header then needs `FORMAT Values` in its place). */
  readonly viaValues: boolean;
  /**
   * For `INSERT ... SELECT ... FROM input('structure') ... FORMAT X` (the data is read through the
   * `input` table function): where `input` starts and where its first argument starts.
   */
  readonly inputCall?: { readonly start: number; readonly argumentsStart: number };
}

export interface StatementInfo {
  /**
   * The first keyword, upper-cased (`SELECT`, `INSERT`, ...); `(` for a parenthesised query; '' if empty
   * (or, for an incomplete text, while the first word may still go on).
   */
  readonly kind: string;
  /** The output format named by a trailing `FORMAT` clause (not for INSERT). */
  readonly outputFormat: string | undefined;
  /** Names used as `{name:Type}` query parameters, in order of first use. */
  readonly parameterNames: readonly string[];
  /** True when something other than comments follows a `;`. */
  readonly multipleStatements: boolean;
  /** True when the statement mentions TEMPORARY at the top level (a temporary table lives in the session). */
  readonly mentionsTemporary: boolean;
  /** Set for INSERT statements that carry inline data (`FORMAT X` or `VALUES`) rather than a SELECT. */
  readonly insertData: InsertDataClause | undefined;
  /** Set for INSERT statements whose header is not complete yet within the scanned text. */
  readonly insertHeaderIncomplete: boolean;
}

const isWordStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isWordPart = (c: number): boolean => isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;

/**
 * Yields the tokens of `text` from `from`, skipping whitespace and comments. An unterminated literal or
 * comment runs to the end of the text.
 */
export function* tokenize(text: string, from = 0): Generator<Token> {
  const length = text.length;
  let i = from;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i += 1;
      continue;
    }
    const next = i + 1 < length ? text.charCodeAt(i + 1) : -1;
    if (c === 45 && next === 45) {
      // -- comment
      i = lineEnd(text, i);
      continue;
    }
    if (c === 35 && (next === 32 || next === 33)) {
      // "# " and "#!" comments
      i = lineEnd(text, i);
      continue;
    }
    if (c === 47 && next === 42) {
      i = blockCommentEnd(text, i);
      continue;
    }
    if (c === 39) {
      const end = quotedEnd(text, i, 39);
      yield { kind: 'string', start: i, end, upper: '' };
      i = end;
      continue;
    }
    if (c === 96 || c === 34) {
      const end = quotedEnd(text, i, c);
      yield { kind: 'quoted', start: i, end, upper: '' };
      i = end;
      continue;
    }
    if (c === 36) {
      const end = heredocEnd(text, i);
      if (end !== undefined) {
        yield { kind: 'string', start: i, end, upper: '' };
        i = end;
        continue;
      }
    }
    if (isWordStart(c)) {
      let end = i + 1;
      while (end < length && isWordPart(text.charCodeAt(end))) end += 1;
      yield { kind: 'word', start: i, end, upper: text.slice(i, end).toUpperCase() };
      i = end;
      continue;
    }
    if (isDigit(c)) {
      let end = i + 1;
      while (end < length && (isWordPart(text.charCodeAt(end)) || text.charCodeAt(end) === 46)) end += 1;
      yield { kind: 'number', start: i, end, upper: '' };
      i = end;
      continue;
    }
    yield { kind: 'punct', start: i, end: i + 1, upper: text[i] ?? '' };
    i += 1;
  }
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline + 1;
}

/** ClickHouse's multi-line comments nest. */
function blockCommentEnd(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return text.length;
}

/** End of a literal or quoted name opened by `quote`: backslash escapes and doubled quotes. */
function quotedEnd(text: string, from: number, quote: number): number {
  let i = from + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      i += 2;
    } else if (c === quote) {
      if (text.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return text.length;
}

/** `$tag$ ... $tag$` (tag may be empty); undefined when `$` does not open one. */
function heredocEnd(text: string, from: number): number | undefined {
  let i = from + 1;
  while (i < text.length && isWordPart(text.charCodeAt(i)) && text.charCodeAt(i) !== 36) i += 1;
  if (text.charCodeAt(i) !== 36) return undefined;
  const tag = text.slice(from, i + 1);
  const close = text.indexOf(tag, i + 1);
  return close === -1 ? text.length : close + tag.length;
}

/** The text of a name token: a word as written, a quoted name unquoted. */
export function tokenName(text: string, token: Token): string {
  const raw = text.slice(token.start, token.end);
  if (token.kind !== 'quoted') return raw;
  const quote = raw[0] ?? '';
  return raw
    .slice(1, raw.endsWith(quote) && raw.length > 1 ? -1 : undefined)
    .replaceAll(quote + quote, quote)
    .replace(/\\(.)/g, '$1');
}

/** The offset where inline data begins: spaces skipped, then one newline if there is one. */
export function inlineDataStart(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10) return i + 1;
    if (!isSpace(c)) return i;
    i += 1;
  }
  return i;
}

const SELECT_STARTS: ReadonlySet<string> = new Set(['SELECT', 'WITH']);

/** Scans one request's SQL. `complete` says whether `text` is the whole statement or only its start. */
export function scanStatement(text: string, options: { complete?: boolean } = {}): StatementInfo {
  const complete = options.complete ?? true;
  const tokens = tokenize(text);
  const all: Token[] = [];
  const parameterNames: string[] = [];
  let kind = '';
  let depth = 0;
  let multipleStatements = false;
  let mentionsTemporary = false;
  let endedAt: number | undefined;
  let insertData: InsertDataClause | undefined;
  let insertHeaderIncomplete = false;
  let insertPhase: 'none' | 'target' | 'body' | 'select' = 'none';
  let settingsStart: number | undefined;
  let inputCall: { start: number; argumentsStart: number } | undefined;

  for (const token of tokens) {
    if (endedAt !== undefined) {
      if (!(token.kind === 'punct' && token.upper === ';')) {
        multipleStatements = true;
        break;
      }
      continue;
    }
    if (all.length === 0) {
      kind = token.kind === 'word' ? token.upper : token.upper === '(' ? '(' : token.upper;
      if (kind === 'INSERT') insertPhase = 'target';
    }
    all.push(token);
    const index = all.length - 1;

    if (token.kind === 'punct') {
      if (token.upper === '(' || token.upper === '[') depth += 1;
      else if ((token.upper === ')' || token.upper === ']') && depth > 0) depth -= 1;
      else if (token.upper === ';' && depth === 0) {
        endedAt = token.start;
        continue;
      } else if (token.upper === '{') {
        // {name:Type} parameters (a map literal starts with a string or number, not a word followed by ':')
        recordParameter(text, tokens, all, parameterNames);
      }
    }
    if (token.kind === 'word' && depth === 0 && token.upper === 'TEMPORARY') mentionsTemporary = true;

    if (insertPhase === 'target' && token.kind === 'word' && index > 0) {
      if (token.upper === 'INTO' || token.upper === 'TABLE') continue;
      if (token.upper === 'FUNCTION') {
        insertPhase = 'body';
        continue;
      }
      // the table name: word / quoted parts joined by '.'
      insertPhase = 'body';
      continue;
    }
    if (insertPhase === 'target' && token.kind === 'quoted') {
      insertPhase = 'body';
      continue;
    }
    if (insertPhase === 'select' && token.kind === 'punct' && token.upper === '(') {
      const previous = all[index - 1];
      if (previous?.kind === 'word' && previous.upper === 'INPUT') {
        inputCall ??= { start: previous.start, argumentsStart: token.end };
      }
    }
    if (insertPhase === 'select' && inputCall !== undefined && depth === 0 && token.kind === 'word') {
      if (token.upper === 'SETTINGS') settingsStart = token.start;
      if (token.upper === 'FORMAT') {
        const name = tokens.next();
        if (name.done === true || (name.value.kind !== 'word' && name.value.kind !== 'quoted')) {
          insertHeaderIncomplete = true;
          break;
        }
        insertData = {
          format: tokenName(text, name.value),
          markerStart: token.start,
          markerEnd: name.value.end,
          dataStart: inlineDataStart(text, name.value.end),
          settingsStart,
          viaValues: false,
          inputCall,
        };
        break;
      }
    }
    if (insertPhase === 'body' && depth === 0 && token.kind === 'word') {
      const previous = all[index - 1];
      if (previous?.kind === 'punct' && previous.upper === '.') continue; // db.table
      if (SELECT_STARTS.has(token.upper)) {
        insertPhase = 'select';
      } else if (token.upper === 'INFILE' && previous?.upper === 'FROM') {
        insertPhase = 'select'; // the client names its own file: nothing inline
      } else if (token.upper === 'SETTINGS') {
        settingsStart ??= token.start;
      } else if (token.upper === 'VALUES') {
        insertData = {
          format: 'Values',
          markerStart: token.start,
          markerEnd: token.end,
          dataStart: inlineDataStart(text, token.end),
          settingsStart,
          viaValues: true,
        };
        break;
      } else if (token.upper === 'FORMAT') {
        const name = tokens.next();
        if (name.done === true || (name.value.kind !== 'word' && name.value.kind !== 'quoted')) {
          insertHeaderIncomplete = true;
          break;
        }
        if (!complete && name.value.end >= text.length) {
          insertHeaderIncomplete = true; // the name may go on in the part not scanned yet
          break;
        }
        insertData = {
          format: tokenName(text, name.value),
          markerStart: token.start,
          markerEnd: name.value.end,
          dataStart: inlineDataStart(text, name.value.end),
          settingsStart,
          viaValues: false,
        };
        break;
      }
    }
  }
  if (kind === 'INSERT' && insertData === undefined && insertPhase !== 'select' && !complete) {
    insertHeaderIncomplete = true;
  }
  const firstToken = all[0];
  if (!complete && firstToken !== undefined && firstToken.end >= text.length) {
    kind = ''; // the first word may go on in the part not scanned yet
  }
  return {
    kind,
    outputFormat: kind === 'INSERT' ? undefined : trailingFormat(text, all),
    parameterNames,
    multipleStatements,
    mentionsTemporary,
    insertData,
    insertHeaderIncomplete,
  };
}

function recordParameter(text: string, tokens: Generator<Token>, all: Token[], names: string[]): void {
  const name = tokens.next();
  if (name.done === true) return;
  all.push(name.value);
  if (name.value.kind !== 'word') return;
  const colon = tokens.next();
  if (colon.done === true) return;
  all.push(colon.value);
  if (colon.value.kind === 'punct' && colon.value.upper === ':') {
    const parameter = text.slice(name.value.start, name.value.end);
    if (!names.includes(parameter)) names.push(parameter);
  }
}

/**
 * The format of a top-level `FORMAT name` that ends the statement (optionally followed by a SETTINGS
 * clause), the only place ClickHouse accepts one; `SELECT format FROM t` names a column, not a format.
 */
function trailingFormat(text: string, tokens: readonly Token[]): string | undefined {
  let depth = 0;
  let found: string | undefined;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i];
    if (token === undefined) break;
    if (token.kind === 'punct') {
      if (token.upper === '(' || token.upper === '[') depth += 1;
      else if ((token.upper === ')' || token.upper === ']') && depth > 0) depth -= 1;
      continue;
    }
    if (depth !== 0 || token.kind !== 'word' || token.upper !== 'FORMAT') continue;
    const name = tokens[i + 1];
    if (name === undefined || (name.kind !== 'word' && name.kind !== 'quoted')) continue;
    const after = tokens[i + 2];
    const closes =
      after === undefined ||
      (after.kind === 'punct' && after.upper === ';') ||
      (after.kind === 'word' && after.upper === 'SETTINGS');
    if (closes) found = tokenName(text, name);
  }
  return found;
}
