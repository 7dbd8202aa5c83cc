import { createBerthApp } from '../lib/berth-app.js';

/** `npx cdk synth` / `npx cdk deploy` run this file (cdk.json's "app"). */
createBerthApp().app.synth();
