export { startServer, type RunningServer } from './run.ts';
export { DEFAULT_SERVER_DATA_DIR, parseBrokerUrl, parseDatastore, parseHostPort, type ServerConfig } from './config.ts';
export { versionInfo, skerryVersion } from './version.ts';
