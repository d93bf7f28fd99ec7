// Local edits of a JSON text: one parse, then changes that touch only the properties they are about.
// Every other byte (order, indentation, a minified line, spacing inside arrays) stays as it was, and
// the cost is linear: all edits are computed against one parse tree and applied in one pass.
// (jsonc-parser's `modify` re-parses the whole text per edit and re-formats the object it inserts
// into: 20,000 entries took 7.4 s and a minified file came back tab-indented.)
import type { Node } from 'jsonc-parser';

export interface TextEdit {
  offset: number;
  length: number;
  content: string;
}

/** What to do to one object's properties. */
export interface ObjectChanges {
  /** Keys to remove. */
  remove?: ReadonlySet<string>;
  /** Keys to set: an existing property gets the new value in place, a missing one is appended. */
  set?: ReadonlyArray<readonly [string, unknown]>;
}

export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  let result = '';
  let at = 0;
  for (const edit of sorted) {
    if (edit.offset < at) throw new Error('overlapping JSON edits');
    result += text.slice(at, edit.offset) + edit.content;
    at = edit.offset + edit.length;
  }
  return result + text.slice(at);
}

export function propertyKey(property: Node): string {
  return property.children![0].value as string;
}

/** The property node of `key` in an object node (the last one, as JSON.parse and Go keep). */
export function findProperty(object: Node, key: string): Node | undefined {
  const children = object.children ?? [];
  for (let i = children.length - 1; i >= 0; i--) if (propertyKey(children[i]) === key) return children[i];
  return undefined;
}

/** key → property node of an object (the last one for a repeated key), built once per object. */
export function propertiesByKey(object: Node): Map<string, Node> {
  const index = new Map<string, Node>();
  for (const property of object.children ?? []) index.set(propertyKey(property), property);
  return index;
}

/** A key that appears twice in one object, if any: JSON readers disagree on which one wins. */
export function duplicateKey(object: Node): string | undefined {
  const seen = new Set<string>();
  for (const property of object.children ?? []) {
    const key = propertyKey(property);
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}

interface Style {
  multiline: boolean;
  /** Indentation of this object's properties. */
  indent: string;
  /** One level of indentation in this file. */
  unit: string;
  /** Between a key and its value: ': ' or ':'. */
  colon: string;
  /** Between two properties, after the comma, on one line: ' ' or ''. */
  space: string;
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
}

function styleOf(text: string, object: Node, unit: string): Style {
  const children = object.children ?? [];
  const first = children[0];
  if (!first) {
    const multiline = unit !== '';
    return { multiline, indent: lineIndent(text, object.offset) + unit, unit, colon: multiline ? ': ' : ':', space: '' };
  }
  const keyNode = first.children![0];
  const valueNode = first.children![1];
  const colon = valueNode ? text.slice(keyNode.offset + keyNode.length, valueNode.offset).replace(/\s*:\s*/, (m) => (m.includes(' ') ? ': ' : ':')) : ': ';
  const multiline = text.slice(object.offset, first.offset).includes('\n');
  const second = children[1];
  const space = second && / $/.test(text.slice(first.offset + first.length, second.offset)) ? ' ' : '';
  return { multiline, indent: multiline ? lineIndent(text, first.offset) : '', unit, colon, space };
}

/** A value as JSON text in the object's style (a nested object spread over lines when the object is). */
function render(value: unknown, style: Style): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !style.multiline) return JSON.stringify(value);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const inner = style.indent + style.unit;
  const lines = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}${style.colon}${render(v, { ...style, indent: inner })}`);
  return `{\n${lines.join(',\n')}\n${style.indent}}`;
}

/** The indentation unit of the file: that of the root's first property, '' when minified. */
export function indentUnit(text: string, root: Node): string {
  const first = root.children?.[0];
  if (!first) return text.includes('\n') ? '\t' : '';
  return text.slice(root.offset, first.offset).includes('\n') ? lineIndent(text, first.offset) : '';
}

/** The edits that apply `changes` to one object node. */
export function editObject(text: string, object: Node, changes: ObjectChanges, unit: string): TextEdit[] {
  const edits: TextEdit[] = [];
  const children = object.children ?? [];
  const removed = children.map((property) => changes.remove?.has(propertyKey(property)) ?? false);

  // Removals, as runs of neighbouring properties: a run takes the comma before it (or, at the start,
  // the one after it), so runs never overlap and the kept properties stay as they were.
  if (removed.every(Boolean) && children.length > 0) {
    const open = object.offset + 1;
    const close = object.offset + object.length - 1;
    edits.push({ offset: open, length: close - open, content: '' });
  } else {
    for (let i = 0; i < children.length; i++) {
      if (!removed[i]) continue;
      let j = i;
      while (j + 1 < children.length && removed[j + 1]) j++;
      const last = children[j];
      if (i > 0) {
        const previous = children[i - 1];
        const from = previous.offset + previous.length;
        edits.push({ offset: from, length: last.offset + last.length - from, content: '' });
      } else {
        const next = children[j + 1];
        edits.push({ offset: children[0].offset, length: next.offset - children[0].offset, content: '' });
      }
      i = j;
    }
  }

  const style = styleOf(text, object, unit);
  const appended: string[] = [];
  const byKey = changes.set?.length ? propertiesByKey(object) : undefined;
  for (const [key, value] of changes.set ?? []) {
    const existing = byKey?.get(key);
    const valueNode = existing?.children?.[1];
    if (existing && valueNode && !changes.remove?.has(key)) {
      edits.push({ offset: valueNode.offset, length: valueNode.length, content: render(value, { ...style, indent: lineIndent(text, existing.offset) }) });
    } else {
      appended.push(`${JSON.stringify(key)}${style.colon}${render(value, style)}`);
    }
  }
  if (appended.length > 0) {
    const kept = children.filter((_, i) => !removed[i]);
    const separator = style.multiline ? `,\n${style.indent}` : `,${style.space}`;
    const body = appended.join(separator);
    const last = kept.at(-1);
    if (last) {
      if (removed.at(-1)) throw new Error('cannot remove the last property and append in one edit');
      edits.push({ offset: last.offset + last.length, length: 0, content: `${separator}${body}` });
    } else {
      const open = object.offset + 1;
      const close = object.offset + object.length - 1;
      const content = style.multiline ? `\n${style.indent}${body}\n${lineIndent(text, object.offset)}` : body;
      if (children.length > 0) edits.length = 0; // every property was removed: replace the whole inside
      edits.push({ offset: open, length: close - open, content });
    }
  }
  return edits;
}
