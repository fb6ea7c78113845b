/**
 * The README checks every example's test makes: its own README shows its files as they are,
 * and the root README quotes it as it is.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Reads a file of examples/<example>/, by its path in the example. */
const exampleFileReader = (example: string) => (file: string) =>
  readFileSync(`${ROOT}examples/${example}/${file}`, 'utf8');

/** The files a README shows whole: each `<!-- file: PATH -->` and the code block after it. */
function filesShownIn(readme: string): Array<[file: string, code: string]> {
  return [...readme.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)].map((m) => [
    m[1]!,
    m[2]!,
  ]);
}

/**
 * One test per file the example's README shows: the code is the file, to the byte; and, with
 * `listed`, one that these are the files it shows, in this order.
 */
export function itShowsFilesAsTheyAre(
  example: string,
  listed?: { title: string; files: string[] },
): void {
  const read = exampleFileReader(example);
  const shown = filesShownIn(read('README.md'));
  it.each(shown)('shows %s as it is in the example', (file, code) => {
    expect(code).toBe(read(file));
  });
  if (listed) {
    it(listed.title, () => {
      expect(shown.map(([file]) => file)).toEqual(listed.files);
    });
  }
}

/**
 * The root README's `<!-- from: examples/<example>/PATH -->` quotes: each quoted line stands in
 * the file, in the same order ("// …" stands for the lines left out).
 */
export function describeRootReadme(example: string): void {
  const read = exampleFileReader(example);
  describe('the root README', () => {
    it('quotes this example as it is: its lines, in order ("// …" stands for the rest)', () => {
      const root = readFileSync(`${ROOT}README.md`, 'utf8');
      const from = new RegExp(
        `<!-- from: examples/${example}/(\\S+) -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\n`,
        'g',
      );
      const quoted = [...root.matchAll(from)];
      expect(quoted.length).toBeGreaterThan(0);
      for (const [, file, code] of quoted) {
        const lines = read(file!).split('\n');
        let at = 0;
        for (const line of code!.split('\n').filter((l) => l.trim() && l.trim() !== '// …')) {
          const found = lines.indexOf(line, at);
          expect(found, `${file}: ${line}`).toBeGreaterThanOrEqual(0);
          at = found + 1;
        }
      }
    });
  });
}
