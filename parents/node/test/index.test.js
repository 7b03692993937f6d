import assert from 'node:assert/strict';
import { it } from 'node:test';

import * as api from '../src/index.js';

it('exports the documented API from the package root', async () => {
  assert.deepEqual(Object.keys(api).sort(), ['FATAL_OUTCOMES', 'INSTALL_LOCATIONS', 'OUTCOMES', 'PYTHON_TYPES',
    'RPC_CODES', 'Result', 'Run', 'Sandbox', 'SandboxError', 'SandboxPool', 'parseDuration', 'parseSize', 'pythonTypeOf',
    'resolveChildPath']);
  const pkg = await import('python-sandbox');
  assert.equal(pkg.Sandbox, api.Sandbox, 'the package name resolves to src/index.js through "exports"');
});
