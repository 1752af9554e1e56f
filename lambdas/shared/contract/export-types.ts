/**
 * The three Sales Navigator analytics exports, by the friendly name users type and the
 * Rest.li action LinkedIn expects (docs/linkedin-api.md §4.2).
 */
export const EXPORT_TYPES = ['activity', 'activityOutcome', 'seat'] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];

export const EXPORT_ACTIONS = {
  activity: 'exportActivityData',
  activityOutcome: 'exportActivityOutcomeData',
  seat: 'exportSeatData',
} as const satisfies Record<ExportType, string>;
export type ExportAction = (typeof EXPORT_ACTIONS)[ExportType];

export const actionOf = (exportType: ExportType): ExportAction => EXPORT_ACTIONS[exportType];

/** Contract URNs as LinkedIn's docs show them: `urn:li:contract:123456`. */
export const CONTRACT_URN = /^urn:li:contract:[0-9]{1,19}$/;
