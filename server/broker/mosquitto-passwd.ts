// Mosquitto 2.0's password file format, made in Node so that no mosquitto_passwd binary is
// needed where the config is written. Format (mosquitto 2.0 src/mosquitto_passwd.c,
// output_new_password, and password_mosq.c): `user:$7$<iterations>$<base64 salt>$<base64 hash>`,
// where 7 is pw_sha512_pbkdf2, the salt is 12 random bytes and the hash is PBKDF2-HMAC-SHA512
// of the password's bytes, 64 bytes long. mosquitto reads the iteration count from each line.
import crypto from 'node:crypto';

const HASH_TYPE_PBKDF2_SHA512 = 7;
const SALT_BYTES = 12;
const HASH_BYTES = 64;
// mosquitto_passwd's own default. The broker runs PBKDF2 on every connect, so a larger count
// slows every reconnect storm; skerry's MQTT passwords are random secrets, which no iteration
// count needs to protect against guessing.
export const PBKDF2_ITERATIONS = 101;

/** One password file line (without the newline) for this user and password. */
export function mosquittoPasswordLine(username: string, password: string, iterations = PBKDF2_ITERATIONS, salt = crypto.randomBytes(SALT_BYTES)): string {
  const hash = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, HASH_BYTES, 'sha512');
  return `${username}:$${HASH_TYPE_PBKDF2_SHA512}$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

const LINE = /^([^:]+):\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** Does this password file line (ours or mosquitto_passwd's) accept this user and password? */
export function verifyMosquittoPasswordLine(line: string, username: string, password: string): boolean {
  const match = LINE.exec(line.trim());
  if (!match || match[1] !== username) return false;
  const iterations = Number(match[2]);
  const expected = Buffer.from(match[4]!, 'base64');
  if (iterations < 1 || expected.length !== HASH_BYTES) return false;
  const actual = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(match[3]!, 'base64'), iterations, HASH_BYTES, 'sha512');
  return crypto.timingSafeEqual(actual, expected);
}
