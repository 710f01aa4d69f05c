/** Where the runner writes about itself (stdout in the CLI, the server's logger for the built-in runner). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function consoleLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const at = (level: string) => (message: string) =>
    write(`${new Date().toISOString()} ${level} ${message}\n`);
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
