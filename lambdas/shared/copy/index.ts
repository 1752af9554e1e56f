/** The copy engine: LinkedIn download → verified object in S3 (see copy-export.ts). */
export { copyExport, type CopyDeps, type CopyLogger, type CopyOutcome, type CopyRequest } from './copy-export';
export { copySettingsFromConfig, type CopySettings } from './settings';
export {
  CsvRowCounter,
  CsvVerifyingStream,
  ShortBodyError,
  countCsvDataRows,
  verdictOf,
  type CsvRowTally,
  type StreamExpectations,
  type StreamTally,
} from './csv-rows';
export { SHA256_TAG, type ExportManifest } from './s3-publish';
