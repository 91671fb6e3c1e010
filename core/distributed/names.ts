// Names of one job's streams, subjects and consumer on NATS. Everything derives from the job name, so every host
// that loads the same config finds the same queue without any other coordination.
import type { PipelineConfig } from "../config/types.ts";

export interface JobNames {
  readonly job: string;
  /** Ranges to do: work-queue retention, so a range leaves the stream once a worker acks it. */
  readonly workStream: string;
  /** The last record per subject: the job record, one result per range, one status per worker. */
  readonly stateStream: string;
  /** Dead letters: the server's max-deliveries advisories for the work consumer. */
  readonly deadStream: string;
  /** The durable pull consumer every worker shares. */
  readonly consumer: string;
  readonly rangeSubjects: string;
  readonly resultSubjects: string;
  readonly workerSubjects: string;
  readonly jobSubject: string;
  readonly advisorySubject: string;
  rangeSubject(key: string): string;
  resultSubject(state: "done" | "dead", key: string): string;
  workerSubject(id: string): string;
}

export function jobNames(job: string): JobNames {
  const root = `ichigo.${job}`;
  const workStream = `ICHIGO_${job}`;
  return {
    job,
    workStream,
    stateStream: `${workStream}_STATE`,
    deadStream: `${workStream}_DEAD`,
    consumer: "workers",
    rangeSubjects: `${root}.range.*`,
    resultSubjects: `${root}.result.>`,
    workerSubjects: `${root}.worker.*`,
    jobSubject: `${root}.job`,
    advisorySubject: `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${workStream}.workers`,
    rangeSubject: (key) => `${root}.range.${key}`,
    resultSubject: (state, key) => `${root}.result.${state}.${key}`,
    workerSubject: (id) => `${root}.worker.${id.replace(/[^A-Za-z0-9_-]/g, "_")}`,
  };
}

/** The result subject's state and range key, or undefined for other subjects. */
export function parseResultSubject(subject: string): { state: "done" | "dead"; key: string } | undefined {
  const m = subject.match(/\.result\.(done|dead)\.([^.]+)$/);
  return m ? { state: m[1] as "done" | "dead", key: m[2] } : undefined;
}

/** The job name: distributed.job, else a hash of the dataset's identity (not of paths that differ per host). */
export function jobNameOf(config: PipelineConfig): string {
  if (config.distributed?.job) return config.distributed.job;
  const d = config.dataset;
  return `ichigo_${fnv1a(`${d.name}\n${d.split}\n${d.subset ?? ""}`).toString(16).padStart(8, "0")}`;
}

export function fnv1a(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
