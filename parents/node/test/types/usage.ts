// Compiled by `tsc --noEmit` only (never run): the shipped declarations must
// let a TypeScript user write the documented examples, and refuse misuse.
import { Sandbox, SandboxError, SandboxPool } from 'python-sandbox';
import type { OutputChunk, PoolOptions, PoolStats, Result, SandboxOptions, WarmInfo } from 'python-sandbox';

const options: SandboxOptions = {
  limits: { memory: '256M', wallTime: '5s', cpuTime: 2000 },
  filesystem: [
    { type: 'bind', source: './data', target: '/data', include: ['*.csv'] },
    { type: 'file', target: '/app/main.py', data: 'print(1)' },
    { type: 'tmpfs', target: '/out', maxBytes: '16M' },
    { type: 'host', target: '/modules', handler: {
      stat: () => ({ type: 'dir' }), read: () => '', list: () => [{ name: 'a.py', type: 'file' }],
    } },
  ],
  env: { LANG: 'C.UTF-8' },
};

export async function example(): Promise<string> {
  const sandbox = new Sandbox(options);
  sandbox.expose('add', ([a, b]) => Number(a) + Number(b));
  sandbox.on('output', (chunk: OutputChunk) => chunk.data.length);
  await sandbox.start();
  const run = sandbox.execute('print(1)', { signal: AbortSignal.timeout(1000) });
  for await (const chunk of run) {
    const stream: 'stdout' | 'stderr' = chunk.stream;
    void stream;
  }
  const result: Result = await run;
  const value: unknown = (await sandbox.invoke('m.f', [1], { k: 2 })).value;
  void value;
  const bytes: Buffer = await sandbox.readTmpfs('/out/x');
  void bytes;
  try {
    await sandbox.close();
  } catch (err) {
    if (err instanceof SandboxError && err.code === 'ERR_TIMEOUT') {
      return err.message;
    }
  }
  // @ts-expect-error outcomes are a closed set
  if (result.outcome === 'weird') {
    return '';
  }
  // @ts-expect-error results are read-only
  result.stdout = '';
  return result.stdout;
}

// @ts-expect-error unknown filesystem entry type
export const bad: SandboxOptions = { filesystem: [{ type: 'nfs', target: '/x' }] };

export async function pooled(): Promise<number> {
  const poolOptions: PoolOptions = { size: 4, preload: ['json'], startTimeout: '10s' };
  await using pool = new SandboxPool(poolOptions);
  const sandbox = pool.sandbox({ limits: { wallTime: '5s' } });
  sandbox.expose('now', () => Date.now());
  await sandbox.start({ signal: AbortSignal.timeout(30_000) });
  const warm: WarmInfo | undefined = sandbox.warm;
  const preloaded: readonly string[] = warm?.preloaded ?? [];
  await sandbox.close();
  await using other = await pool.session({ env: { A: 'b' } });
  void other;
  const stats: Readonly<PoolStats> = pool.stats;
  return stats.warm + stats.cold + preloaded.length;
}

// @ts-expect-error the pool's size is a number
export const badPool: PoolOptions = { size: '4' };
