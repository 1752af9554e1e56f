/**
 * Runs a command line in-process with its output captured: `npm run cli` (`main` of local/cli.ts,
 * with the Step Functions client aws-sdk-client-mock intercepts) and any other main that writes
 * to given streams.
 */
import { Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { main } from '../../local/cli';

/** A stream that keeps what is written to it. */
export const capture = () => {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
};

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The waits the command asked for, in ms (it never really sleeps). */
  sleeps: number[];
}

/**
 * `npm run cli -- …argv`, with an empty environment and the region eu-west-1.
 *
 * @param s3Client the client that reads run reports (default: the CLI's own)
 */
export const runCli = async (argv: string[], s3Client?: S3Client): Promise<CliRun> => {
  const stdout = capture();
  const stderr = capture();
  const sleeps: number[] = [];
  const code = await main(
    argv,
    { stdout: stdout.stream, stderr: stderr.stream },
    {},
    () => new SFNClient({ region: 'eu-west-1' }),
    async (ms) => {
      sleeps.push(ms);
    },
    ...(s3Client ? [() => s3Client] : []),
  );
  return { code, stdout: stdout.text(), stderr: stderr.text(), sleeps };
};

/** CloudFormation as it answers when the stack is not deployed in this account and region. */
export const noDeployedStack = (cloudFormation: AwsClientStub<CloudFormationClient>): void => {
  cloudFormation
    .on(DescribeStacksCommand)
    .rejects(Object.assign(new Error('Stack with id LinkedInSalesNavExport does not exist'), { name: 'ValidationError' }));
};
