/** AWS S3 for the deployed copy Lambda: the default credential chain, traced by X-Ray. */
import { S3Client } from '@aws-sdk/client-s3';
import { tracer } from '../powertools';
import { once } from './deployed';

export const deployedS3 = once(() => tracer.captureAWSv3Client(new S3Client({})));
