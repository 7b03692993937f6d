// Host-call round trip through the Node parent, and its raw baseline.
//
// Usage: node bench/hostcall.mjs sandbox|raw CALLS
//   sandbox  a session exposing echo(); the code times CALLS calls of
//            sandbox.call('echo', i) inside the sandbox
//   raw      answers CALLS host/call lines of build/bench/pipe_peer over
//            plain pipes, parsing and serializing JSON as a parent must
// Prints one JSON object {"calls":N,"per_call_us":X,"mean_us":Y}: the mean
// round trip of the fastest of 5 batches (the least disturbed by other
// processes) and of all calls. The child is
// $PYSANDBOX_CHILD. Exit status 1 on failure, with a message on stderr.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import { Sandbox } from '../parents/node/src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MAX_CALLS = 1_000_000;

/** @param {number} calls */
function code(calls) {
  return [
    'import sandbox, time',
    `call, n, us = sandbox.call, max(${calls} // 5, 1), []`,
    'for i in range(200): call("echo", i)',
    'for _ in range(5):',
    '    t = time.perf_counter()',
    '    for i in range(n): assert call("echo", i) == i',
    '    us.append((time.perf_counter() - t) / n * 1e6)',
    'print("%.3f %.3f" % (min(us), sum(us) / 5))',
  ].join('\n');
}

/** @param {number} calls */
async function viaSandbox(calls) {
  const sandbox = new Sandbox();
  sandbox.expose('echo', (args) => args[0]);
  await sandbox.start();
  try {
    const result = await sandbox.execute(code(calls));
    if (result.outcome !== 'ok') {
      throw new Error(`run ended ${result.outcome}: ${result.stderr}`);
    }
    const [best, mean] = result.stdout.trim().split(' ').map(Number.parseFloat);
    return { best, mean };
  } finally {
    await sandbox.close();
  }
}

/** @param {number} calls */
function viaPipes(calls) {
  const peer = spawn(path.join(here, '../build/bench/pipe_peer'), [String(calls)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: peer.stdout });
  return new Promise((resolve, reject) => {
    let done = null;
    peer.on('error', reject);
    lines.on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.method === 'bench/done') {
        done = { best: msg.params.per_call_us, mean: msg.params.mean_us };
        peer.stdin.end();
        return;
      }
      const value = msg.params.args[0];
      peer.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { value } })}\n`);
    });
    peer.on('close', (status) => {
      if (status === 0 && done !== null) resolve(done);
      else reject(new Error(`pipe_peer exited with status ${status}`));
    });
  });
}

async function main() {
  const [mode, count] = process.argv.slice(2);
  const calls = Number(count);
  if (!Number.isInteger(calls) || calls < 1 || calls > MAX_CALLS) {
    throw new Error(`calls must be 1..${MAX_CALLS}, not '${count}'`);
  }
  let perCall;
  if (mode === 'sandbox') perCall = await viaSandbox(calls);
  else if (mode === 'raw') perCall = await viaPipes(calls);
  else throw new Error(`unknown mode '${mode}' (sandbox or raw)`);
  process.stdout.write(`${JSON.stringify({ calls, per_call_us: perCall.best, mean_us: perCall.mean })}\n`);
}

main().catch((err) => {
  process.stderr.write(`hostcall.mjs: ${err.message}\n`);
  process.exitCode = 1;
});
