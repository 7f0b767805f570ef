/** Where the CLI reads and writes: the process's streams, or a test's buffers. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** The whole of stdin, for a plan path of `-`. */
  readStdin?: () => Promise<string>;
  /** What still holds the process open (default: the process's active timers and sockets). */
  liveHandles?: () => string[];
}

/** The process's own streams. */
export function defaultIO(): CliIO {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}
