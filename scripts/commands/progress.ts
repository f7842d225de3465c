/**
 * Console output for long steps: progress bars on a terminal, nothing drawn elsewhere.
 */
import cliProgress, { type MultiBar as MultiBarT, type SingleBar } from "cli-progress";
import type { OnProgress } from "../../core/progress.js";

const { MultiBar, Presets } = cliProgress;
type MultiBar = MultiBarT;

/**
 * Progress bars for long steps (cli-progress), one per step as it runs, on stderr and only on a
 * terminal; elsewhere (logs, CI) nothing is drawn and the step's own log lines are the record.
 * Lines logged through `log` go above the bar.
 */
export function progressBars(stream: NodeJS.WriteStream = process.stderr): { progress: OnProgress; log(line: string): void; stop(): void } {
  const tty = stream.isTTY === true;
  let multi: MultiBar | undefined;
  let bar: SingleBar | undefined;
  let current = "";
  const end = () => {
    if (bar) multi!.remove(bar);
    bar = undefined;
    current = "";
  };
  return {
    progress(p) {
      if (!tty) return;
      multi ??= new MultiBar(
        { stream, format: "{step} [{bar}] {value}/{total} {unit} | {duration_formatted} | about {eta_formatted} left", hideCursor: true, clearOnComplete: true, etaBuffer: 30 },
        Presets.shades_classic,
      );
      // A total of 0 is unknown: the time spent alone.
      const unknown = p.total <= 0;
      if (p.step !== current) {
        end();
        bar = multi.create(unknown ? 1 : p.total, unknown ? 0 : p.done, { step: p.step, unit: p.unit }, unknown ? { format: "{step}… {duration_formatted}" } : {});
        current = p.step;
      } else if (!unknown) {
        bar!.update(Math.min(p.done, p.total));
      } else {
        bar!.update(0);
      }
      if (!unknown && p.done >= p.total && p.unit !== "s") end();
    },
    log(line) {
      if (multi) multi.log(line + "\n");
      else stream.write(line + "\n");
    },
    stop() {
      end();
      multi?.stop();
      multi = undefined;
    },
  };
}
