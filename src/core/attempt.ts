/**
 * Run work whose failure must not stop the caller (a platform call for a status line, a thank-you, an
 * event handler): a failure goes to `onError`, which logs it as its layer knows how, and the result is
 * `undefined`. The one "call, log, carry on" of the code base.
 */
export async function attempt<T>(action: () => Promise<T>, onError: (error: unknown) => void): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    onError(error);
    return undefined;
  }
}
