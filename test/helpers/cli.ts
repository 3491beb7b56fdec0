/** Runs the headless command (`ws-station`) as a child process, as a person would from a shell. */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

const CLI = join(__dirname, '..', '..', 'main', 'cli', 'serve.js');

export function runToExit(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 10_000 });
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  waitForOutput: (pattern: RegExp) => Promise<RegExpMatchArray>;
}

/**
 * Starts the command; the test kills it afterwards if it is still running. `prefix` runs it
 * under another command, e.g. prlimit with a lower open-files limit.
 */
export function startCli(t: TestContext, args: string[], prefix: string[] = []): RunningCli {
  const [program, ...programArgs] = [...prefix, process.execPath, CLI, ...args] as [string, ...string[]];
  const child = spawn(program, programArgs);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const waitForOutput = async (pattern: RegExp) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const match = output.match(pattern);
      if (match) return match;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in output:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, output: () => output, waitForOutput };
}

/** Starts the command on a free loopback port and resolves with the port once it is serving. */
export async function startCliStation(t: TestContext, args: string[] = []): Promise<RunningCli & { port: number }> {
  const cli = startCli(t, ['--port', '0', '--host', '127.0.0.1', ...args]);
  const [, port = ''] = await cli.waitForOutput(/ws:\/\/127\.0\.0\.1:(\d+)\//);
  return { ...cli, port: Number(port) };
}
