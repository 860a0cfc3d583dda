/**
 * Ctrl-C during a load: the first one stops it cleanly (the running batch is cancelled, the ledger
 * records what is and is not loaded, the command says what is left and exits 130); a second one quits
 * at once (rows of the batch in flight stay `loading`: a re-run loads those files again).
 */
export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

export const INTERRUPTED_EXIT_CODE = 130;

export function stopOnCtrlC(): Interrupt {
  const controller = new AbortController();
  const onSignal = () => {
    if (!controller.signal.aborted) {
      process.stderr.write(
        '\nxapi-etl: stopping: cancelling the batch being loaded, recording what is done ' +
          '(Ctrl-C again quits at once)\n',
      );
      controller.abort();
      return;
    }
    process.stderr.write(
      'xapi-etl: quit. Files of the batch in flight stay "loading" in the ledger; ' +
        're-run the same command to load them and the rest.\n',
    );
    process.exit(INTERRUPTED_EXIT_CODE);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
