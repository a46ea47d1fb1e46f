// Replaced by the bundler (main/scripts/build.mjs) with the package version; code run
// straight from TypeScript (tests) reports 'dev'.
declare const WORKSTATION_VERSION: string | undefined;

export const APP_VERSION: string = typeof WORKSTATION_VERSION === 'string' ? WORKSTATION_VERSION : 'dev';
