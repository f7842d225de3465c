/**
 * Progress of a long step, for whoever shows it (the CLI draws a bar on a terminal and stays quiet
 * elsewhere): `done` of `total` units. The library code that does the work only reports.
 */
export interface StepProgress {
  /** What runs, e.g. "rollup_4x8 dev keys: ptau". */
  step: string;
  done: number;
  total: number;
  /** What is counted ("jobs"). */
  unit: string;
}

export type OnProgress = (p: StepProgress) => void;
