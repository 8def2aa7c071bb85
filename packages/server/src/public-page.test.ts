/**
 * The web page shows labels, file names and error messages from the server and the user's files:
 * they must reach the page as text (textContent, text nodes), never be parsed as HTML.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

const PUBLIC = new URL('../public/', import.meta.url);

/** The DOM calls that parse a string as HTML. */
const HTML_SINKS = /\.(innerHTML|outerHTML)\s*[+]?=|\.insertAdjacentHTML\s*\(|document\.write(ln)?\s*\(|createContextualFragment\s*\(|\.setHTMLUnsafe\s*\(|DOMParser/;

describe('public web page', () => {
  it('app.js puts no string into the page as HTML', async () => {
    const source = await readFile(new URL('app.js', PUBLIC), 'utf8');
    const offending = source.split('\n').map((line, i) => [i + 1, line] as const).filter(([, line]) => HTML_SINKS.test(line));
    assert.deepEqual(offending, [], 'lines that parse strings as HTML');
    assert.match(source, /textContent/, 'the page writes its text with textContent');
  });
});
