/** Polls until the condition holds; fails the test with `what` when it does not in time. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  await eventually(what, () => Promise.resolve(condition()), timeoutMs);
}

/** Like waitFor, for a condition that must be asked asynchronously (a browser page, say). */
export async function eventually(what: string, condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
