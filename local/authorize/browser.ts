/**
 * Opens the authorization URL in the operator's browser, best effort: the URL is printed anyway,
 * so a machine without a browser (a server over SSH) only loses the convenience.
 */
import { type SpawnOptions, spawn } from 'node:child_process';

/** How each platform opens a URL with its default browser, with no shell in between. */
export const browserCommand = (url: string, platform: NodeJS.Platform): { command: string; args: string[] } => {
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: [url] };
    case 'win32':
      // Not `cmd /c start`: cmd would read the `&` between the URL's parameters as a command
      // separator. The URL protocol handler takes the URL as one argument.
      return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
    default:
      return { command: 'xdg-open', args: [url] };
  }
};

type Spawn = (
  command: string,
  args: readonly string[],
  options: SpawnOptions,
) => { on(event: 'error', listener: () => void): unknown; unref(): void };

/**
 * Starts the platform's opener, detached, and forgets it: a missing opener or a failing one is
 * ignored (the URL is on the terminal).
 */
export const openInBrowser = (url: string, platform: NodeJS.Platform = process.platform, spawnProcess: Spawn = spawn): void => {
  const { command, args } = browserCommand(url, platform);
  try {
    const child = spawnProcess(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // spawn throws synchronously on some invalid setups (EACCES on the opener): same as missing.
  }
};
