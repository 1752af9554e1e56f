/**
 * Import first. The handlers' Powertools singletons read their settings when lambdas/shared is
 * first imported, which happens as soon as the runner is loaded: Lambda logs and EMF metrics
 * would otherwise print JSON on stdout. `POWERTOOLS_LOG_LEVEL=INFO npm start` still shows the
 * Lambdas' logs (on stderr with --json, whose stdout is the result document).
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
