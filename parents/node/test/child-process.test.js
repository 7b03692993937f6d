import assert from 'node:assert/strict';
import { it } from 'node:test';

import { INSTALL_LOCATIONS, resolveChildPath } from '../src/child-process.js';

it('finds the child by option, then PYSANDBOX_CHILD, then the install location', async () => {
  assert.equal(await resolveChildPath('/explicit', { PYSANDBOX_CHILD: '/from-env' }), '/explicit');
  assert.equal(await resolveChildPath(undefined, { PYSANDBOX_CHILD: '/from-env' }), '/from-env');
  assert.equal(INSTALL_LOCATIONS[0], '/usr/local/libexec/python-sandbox/sandbox');
});

it('says where it looked when there is no child', async (t) => {
  const installed = await Promise.all(INSTALL_LOCATIONS.map((p) => resolveChildPath(undefined, {})
    .then((found) => found === p, () => false)));
  if (installed.some(Boolean)) {
    // A real installation answers first; the error path is then covered by the option tests.
    assert.ok(INSTALL_LOCATIONS.includes(await resolveChildPath(undefined, {})));
    return;
  }
  await assert.rejects(resolveChildPath(undefined, {}), (err) => {
    assert.equal(/** @type {any} */ (err).code, 'ERR_SPAWN');
    assert.match(/** @type {Error} */ (err).message, /PYSANDBOX_CHILD/);
    return true;
  });
  t.diagnostic('no installed child: checked the error');
});
