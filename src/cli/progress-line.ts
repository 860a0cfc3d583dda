/**
 * Where progress goes: one updating line on a terminal; on a log or in CI, plain lines at most every
 * `plainEveryMs`, and always the last one.
 */
export function progressLine(
  stream: NodeJS.WriteStream,
  plainEveryMs = 1_000,
): (text: string, last: boolean) => void {
  let lastPlain = 0;
  return (text, last) => {
    if (stream.isTTY) stream.write(`\r\x1b[2K${text}${last ? '\n' : ''}`);
    else if (last || Date.now() - lastPlain >= plainEveryMs) {
      lastPlain = Date.now();
      stream.write(`${text}\n`);
    }
  };
}
