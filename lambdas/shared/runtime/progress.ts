/**
 * Copy progress, published in-process. In Lambda nobody listens; the local runner
 * subscribes to draw its progress bar. Bytes only: never the URL.
 */
import { EventEmitter } from 'node:events';

export interface CopyProgress {
  exportType: string;
  contract: string;
  startAt: number;
  endAt: number;
  bytes: number;
  total: number;
}

export const copyProgress = new EventEmitter<{ progress: [CopyProgress] }>();
