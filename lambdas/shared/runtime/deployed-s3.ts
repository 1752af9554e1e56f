/** AWS S3 for the deployed copy Lambda, with the function role's credentials. */
import { S3Client } from '@aws-sdk/client-s3';
import { once } from './once';

export const deployedS3 = once(() => new S3Client({}));
