/**
 * The handlers' Powertools logger for a local run, printing to a stream the runner chooses. The
 * shared logger prints to stdout, as Lambda expects; `npm start -- --json` keeps stdout for its
 * document, so there the Lambdas' lines go to stderr.
 */
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { SERVICE_NAME } from '../../lambdas/shared/contract/names';

/** A Logger like the deployed one (level from POWERTOOLS_LOG_LEVEL), writing one JSON line per entry to `stream`. */
export const createStreamLogger = (stream: NodeJS.WritableStream): Logger => {
  // Powertools binds its Console to process.stdout when a Logger is built; printLog is its
  // documented extension point, and the class closes over the stream because Logger may print
  // from its own constructor, before a subclass's fields exist.
  class StreamLogger extends Logger {
    protected override printLog(_logLevel: number, log: LogItem): void {
      log.prepareForPrint();
      stream.write(`${JSON.stringify(log.getAttributes(), this.getJsonReplacer())}\n`);
    }

    protected override createLogger(options?: ConstructorOptions): Logger {
      return new StreamLogger(options);
    }
  }
  return new StreamLogger({ serviceName: SERVICE_NAME });
};
