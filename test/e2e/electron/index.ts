// Entry point that @vscode/test-electron loads in the extension host (extensionTestsPath):
// runs the same mocha suites as the code-server runner.
import * as fs from 'fs';
import * as path from 'path';
import Mocha = require('mocha');

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    color: true,
    timeout: Number(process.env.FLAKE_LENS_E2E_TIMEOUT || 60000),
    grep: process.env.FLAKE_LENS_E2E_GREP || undefined,
  });
  const suites = path.resolve(__dirname, '..', 'suite');
  const files = fs.readdirSync(suites).filter((f) => f.endsWith('.test.js')).sort();
  if (files.length === 0) throw new Error(`no *.test.js in ${suites}`);
  for (const f of files) mocha.addFile(path.join(suites, f));
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
