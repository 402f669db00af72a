/** This package's version, for the default agent version (kept in step with package.json). */
export const VERSION = '0.1.0'
