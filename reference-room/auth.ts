// Authentication: HS256 JWTs and scrypt password hashes from node:crypto, and the
// user accounts, kept in Redis under the `target:user:` prefix (never matching the
// `queue:*` / `active:*` keys the suite probes).
import { createHmac, randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Redis } from 'ioredis';

export type Role = 'user' | 'admin';

export interface Claims {
  id: string;
  email: string;
  role: Role;
  iat: number;
  exp: number;
}

export const TOKEN_TTL_SECONDS = 24 * 60 * 60;

const b64url = (buf: Buffer | string): string => Buffer.from(buf).toString('base64url');
const JWT_HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function hmac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

export interface SignOptions {
  /** seconds since the epoch; defaults to now */
  now?: number;
  ttlSeconds?: number;
}

export function signToken(user: { id: string; email: string; role: Role }, secret: string, opts: SignOptions = {}): string {
  const iat = opts.now ?? Math.floor(Date.now() / 1000);
  const claims: Claims = { id: user.id, email: user.email, role: user.role, iat, exp: iat + (opts.ttlSeconds ?? TOKEN_TTL_SECONDS) };
  const body = `${JWT_HEADER}.${b64url(JSON.stringify(claims))}`;
  return `${body}.${hmac(secret, body).toString('base64url')}`;
}

export type VerifyResult = { ok: true; claims: Claims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/** Checks the header, the signature (constant time) and the expiry; never throws. */
export function verifyToken(token: string, secret: string, now = Math.floor(Date.now() / 1000)): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== JWT_HEADER) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(parts[2]!, 'base64url');
  const expected = hmac(secret, `${parts[0]}.${parts[1]}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (claims.exp <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function isClaims(v: unknown): v is Claims {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return typeof c.id === 'string' && typeof c.email === 'string' && (c.role === 'user' || c.role === 'admin') &&
    typeof c.exp === 'number' && typeof c.iat === 'number';
}

// ---- passwords: scrypt$N$salt$hash (N kept so a cost change keeps old hashes valid)

const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, n: number): Promise<Buffer> {
  const opts: ScryptOptions = { N: n, r: 8, p: 1, maxmem: 256 * n * 8 + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, cost);
  return `scrypt$${cost}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || n === undefined || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The scrypt N a stored hash was made with (undefined for a malformed one). */
export function hashCost(stored: string): number | undefined {
  const [scheme, n] = stored.split('$');
  return scheme === 'scrypt' && n !== undefined && /^\d+$/.test(n) ? Number(n) : undefined;
}

// ---- accounts

export interface PublicUser {
  id: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
}

interface UserRecord {
  id: string;
  email: string;
  name: string;
  phone?: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
}

export const USER_KEY_PREFIX = 'target:user:';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function toPublic(u: UserRecord): PublicUser {
  return { id: u.id, userId: u.id, email: u.email, name: u.name, role: u.role };
}

export class UserStore {
  constructor(private readonly redis: Redis, private readonly kdfCost: number) {}

  private key(email: string): string {
    return USER_KEY_PREFIX + normalizeEmail(email);
  }

  /** Creates an account; null when the email is taken (checked again atomically with SET NX). */
  async register(input: { email: string; password: string; name: string; phone?: string }, role: Role = 'user'): Promise<PublicUser | null> {
    const key = this.key(input.email);
    if ((await this.redis.exists(key)) === 1) return null;
    const record: UserRecord = {
      id: randomUUID(),
      email: normalizeEmail(input.email),
      name: input.name,
      role,
      passwordHash: await hashPassword(input.password, this.kdfCost),
      createdAt: new Date().toISOString(),
      ...(input.phone !== undefined ? { phone: input.phone } : {}),
    };
    const set = await this.redis.set(key, JSON.stringify(record), 'NX');
    return set === 'OK' ? toPublic(record) : null;
  }

  /**
   * The user when the password matches, else null. A hash made at another cost
   * than TARGET_KDF_COST is made again at that cost on a good login (as sites do
   * when they raise their bcrypt cost), so a changed cost governs every login from
   * the next one on, even for accounts kept in a long-lived Redis.
   */
  async login(email: string, password: string): Promise<PublicUser | null> {
    const key = this.key(email);
    const raw = await this.redis.get(key);
    if (raw === null) return null;
    const record = JSON.parse(raw) as UserRecord;
    if (!(await verifyPassword(password, record.passwordHash))) return null;
    if (hashCost(record.passwordHash) !== this.kdfCost) {
      const updated: UserRecord = { ...record, passwordHash: await hashPassword(password, this.kdfCost) };
      await this.redis.set(key, JSON.stringify(updated), 'XX');
    }
    return toPublic(record);
  }

  /** Creates the admin account, or resets its password and role (keeping its id). */
  async ensureAdmin(email: string, password: string): Promise<PublicUser> {
    const key = this.key(email);
    const raw = await this.redis.get(key);
    const old = raw === null ? null : (JSON.parse(raw) as UserRecord);
    const record: UserRecord = {
      id: old?.id ?? randomUUID(),
      email: normalizeEmail(email),
      name: old?.name ?? 'Administrator',
      role: 'admin',
      passwordHash: await hashPassword(password, this.kdfCost),
      createdAt: old?.createdAt ?? new Date().toISOString(),
    };
    await this.redis.set(key, JSON.stringify(record));
    return toPublic(record);
  }
}
