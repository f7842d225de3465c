/**
 * Console output for long steps: ordinary lines as they come, progress lines rewritten in place on
 * a terminal (and thinned out to one every few seconds elsewhere, so logs stay readable).
 */
export interface ConsoleLog {
  info(line: string): void;
  progress(line: string): void;
  /** Ends a progress line so the next output starts on a fresh line. */
  done(): void;
}

export function consoleLog(): ConsoleLog {
  const tty = process.stderr.isTTY;
  let open = false;
  let last = 0;
  const clear = () => {
    if (open) {
      process.stderr.write("\r\x1b[2K");
      open = false;
    }
  };
  return {
    info(line) {
      clear();
      console.log(line);
    },
    progress(line) {
      const now = Date.now();
      if (tty) {
        const width = (process.stderr.columns ?? 100) - 1;
        process.stderr.write(`\r\x1b[2K${line.slice(0, width)}`);
        open = true;
      } else if (now - last > 5000) {
        console.error(`  … ${line}`);
        last = now;
      }
    },
    done: clear,
  };
}
