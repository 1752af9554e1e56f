/** The `cdk` CLI entry point (cdk.json "app"): cdk.json context reaches the App through the CLI. */
import { createApp } from './create-app';

createApp().app.synth();
