// aedes' authentication and authorization hooks for the sync protocol's rules.
import type { AedesPublishPacket, AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import type { Logger } from '../../common/logger.ts';
import { type BrokerPrincipal, isValidPrincipal, principalMayPublish, principalMaySubscribe, principalName } from './policy.ts';

// MQTT 3.1.1 CONNACK return codes (§3.2.2.3). aedes' own enum is a const enum in a .d.ts,
// which isolatedModules cannot inline.
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

// MQTT 3.1.1 has no negative PUBACK, and an error from authorizePublish makes aedes close the
// connection. To drop a publish instead, it is redirected here with an empty payload and no
// retain flag: aedes still acknowledges a QoS 1 publish (so the client does not resend it
// forever) and nobody receives it, since no principal may subscribe to a `$` topic and
// wildcard subscriptions never match one (MQTT-4.7.2-1).
export const DROPPED_TOPIC = '$skerry/dropped';

type Will = ConnectPacket['will'];
type Refusal = { returnCode: number; reason: string };

export class BrokerHooks {
  private readonly principals = new WeakMap<Client, BrokerPrincipal>();
  private readonly wills = new WeakMap<Client, Will>();

  constructor(
    private readonly lookup: (username: string, password: Buffer) => Promise<BrokerPrincipal | undefined>,
    private readonly maxPayloadBytes: number,
    private readonly log: Logger,
  ) {}

  principalOf(client: Client): BrokerPrincipal | undefined {
    return this.principals.get(client);
  }

  /** aedes hands the will to authenticate only through the CONNECT packet; keep it for there. */
  preConnect(client: Client, packet: ConnectPacket, done: (error: Error | null, success: boolean) => void): void {
    this.wills.set(client, packet.will);
    done(null, true);
  }

  authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void {
    this.check(client, username, password).then(
      (refusal) => (refusal ? done(this.refuse(client, username, refusal), false) : done(null, true)),
      (error: unknown) => {
        this.log.error({ user: username, err: (error as Error).message }, 'MQTT authentication failed with an error');
        done(this.refuse(client, username, { returnCode: SERVER_UNAVAILABLE, reason: 'authentication error' }), false);
      },
    );
  }

  authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    const principal = client ? this.principals.get(client) : undefined;
    const reason = this.publishRefusal(principal, packet);
    if (reason) {
      this.log.debug({ client: client?.id, topic: packet.topic, reason }, 'MQTT publish dropped');
      packet.topic = DROPPED_TOPIC;
      packet.payload = Buffer.alloc(0);
      packet.retain = false;
    }
    done(null);
  }

  authorizeSubscribe(client: Client, subscription: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
    const principal = this.principals.get(client);
    if (principal && principalMaySubscribe(principal, subscription.topic)) return done(null, subscription);
    this.log.debug({ client: client.id, filter: subscription.topic }, 'MQTT subscription refused');
    // A null subscription makes aedes grant 0x80 (failure) for this filter, the rest stand.
    done(null, null);
  }

  /**
   * Defence in depth: even if a subscription slipped through, a message reaches a client only
   * when its principal could have subscribed to that exact topic.
   */
  authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const principal = this.principals.get(client);
    return principal && principalMaySubscribe(principal, packet.topic) ? packet : null;
  }

  private async check(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Refusal | undefined> {
    if (username === undefined || password === undefined) return { returnCode: NOT_AUTHORIZED, reason: 'anonymous' };
    const principal = await this.lookup(username, password);
    if (!principal || !isValidPrincipal(principal) || principalName(principal) !== username) {
      return { returnCode: BAD_USERNAME_OR_PASSWORD, reason: 'wrong credentials' };
    }
    // aedes disconnects the older client when a second one takes its id, so an id that is not
    // the user's own would let one node knock another off the broker.
    if (client.id !== username) return { returnCode: IDENTIFIER_REJECTED, reason: 'client id differs from user name' };
    const will = this.wills.get(client);
    if (will && this.publishRefusal(principal, will)) return { returnCode: NOT_AUTHORIZED, reason: `will on ${will.topic} not allowed` };
    this.principals.set(client, principal);
    return undefined;
  }

  private publishRefusal(principal: BrokerPrincipal | undefined, packet: { topic: string; payload: Buffer | string }): string | undefined {
    if (!principal) return 'no authenticated principal';
    if (Buffer.byteLength(packet.payload) > this.maxPayloadBytes) return 'payload over the size limit';
    return principalMayPublish(principal, packet.topic) ? undefined : 'topic not allowed';
  }

  private refuse(client: Client, username: string | undefined, refusal: Refusal): AuthenticateError {
    this.log.info({ user: username, client: client.id, reason: refusal.reason }, 'MQTT connection refused');
    return Object.assign(new Error(refusal.reason), { returnCode: refusal.returnCode }) as AuthenticateError;
  }
}
