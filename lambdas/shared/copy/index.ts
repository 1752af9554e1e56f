/** The copy engine: LinkedIn download → verified object in S3 (see copy-export.ts). */
export { copyExport, type CopyDeps, type CopyLogger, type CopyOutcome, type CopyRequest } from './copy-export';
export { copySettingsFromConfig, type CopySettings } from './settings';
export { CsvRowCounter, CsvVerifyingStream, countCsvDataRows, type CsvRowTally, type StreamTally } from './csv-rows';
