// The MQTT broker of the sync protocol (DESIGN §5): the embedded aedes broker, and the
// configuration for Mosquitto when a site runs that instead. Both enforce one table of
// per-node rules, common/sync/topics.ts.
export { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded.ts';
export { DROPPED_TOPIC } from './hooks.ts';
export { DEFAULT_MAX_PAYLOAD_BYTES, type BrokerPrincipal } from './policy.ts';
export { mosquittoAcl, reloadMosquitto, writeMosquittoConfig, type MosquittoConfigFiles, type MosquittoConfigOptions } from './mosquitto.ts';
export { mosquittoPasswordLine, verifyMosquittoPasswordLine } from './mosquitto-passwd.ts';
export { startMosquittoProvisioner, type MosquittoProvisioner, type ProvisionerOptions } from './provision.ts';
