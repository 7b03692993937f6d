// SPEC [REQ-SEC-12]: a child that a user other than root and this one could
// replace is refused before it starts, naming the path and why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { trustedChildPath } from '../src/child-trust.js';
import { Sandbox } from '../src/index.js';
import { trustTree, within } from './helpers.js';

const CHILD = '/d/child';
const NOBODY = 'is owned by another user (uid 65534)';

/**
 * Each case: the changes to the tree ([path under T, mode, given to nobody]),
 * whether the child is started through the link, and the path under T that
 * the refusal names with why (none: it starts).
 * @type {[string, [string, number, boolean][], boolean, string?, string?][]}
 */
const CASES = [
  ['a copy of the fake child', [], false],
  ['through a link in an open directory', [], true],
  ['a sticky directory', [['/d', 0o1777, false]], false],
  ['file writable by group', [[CHILD, 0o775, false]], false, CHILD, 'is writable by group'],
  ['file writable by others', [[CHILD, 0o757, false]], false, CHILD, 'is writable by others'],
  ['file of another user', [[CHILD, 0o755, true]], false, CHILD, NOBODY],
  ['directory writable by group', [['/d', 0o775, false]], false, '/d', 'is writable by group'],
  ['directory writable by others', [['/d', 0o777, false]], false, '/d', 'is writable by others'],
  ['sticky directory of another user', [['/d', 0o1777, true]], false, '/d', NOBODY],
  ['directory two levels up writable by others', [['', 0o777, false]], false, '', 'is writable by others'],
  ['link to a file writable by others', [[CHILD, 0o777, false]], true, CHILD, 'is writable by others'],
];

describe('a child another user could replace', () => {
  for (const [name, changes, byLink, bad, why] of CASES) {
    // Only root can give a file away; the other cases still run.
    const skip = changes.some(([, , toNobody]) => toNobody) && process.geteuid?.() !== 0;
    it(`${bad === undefined ? 'starts' : 'is refused'}: ${name}`, { skip }, async () => {
      const tree = trustTree();
      for (const [rel, mode, toNobody] of changes) {
        tree.set(rel, mode, toNobody);
      }
      const file = byLink ? tree.link : tree.child;
      const sandbox = new Sandbox({ child: file });
      if (bad !== undefined) {
        await assert.rejects(within(sandbox.start()), {
          name: 'SandboxError',
          code: 'ERR_SPAWN',
          message: `cannot trust the sandbox child '${file}': '${tree.top}${bad}' ${why}`,
        });
        assert.equal(sandbox.pid, undefined);
        return;
      }
      try {
        assert.equal((await within(sandbox.start())).child.version, '0.0.0-fake');
      } finally {
        await within(sandbox.close());
      }
    });
  }

  it('resolves a link to the file that is executed', () => {
    const tree = trustTree();
    assert.equal(trustedChildPath(tree.link), tree.child);
  });

  it('reports a missing child as ERR_SPAWN naming it', () => {
    assert.throws(() => trustedChildPath('/nonexistent/child'), {
      code: 'ERR_SPAWN',
      message: /^cannot start the sandbox child '\/nonexistent\/child': ENOENT/,
    });
  });
});
