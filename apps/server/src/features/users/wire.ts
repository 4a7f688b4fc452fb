/** WorkOS User wire shape (reference §4.3, §7). */
import { z } from 'zod';
import { parseJson } from '../../platform/http.ts';
import type { UserTable } from '../../platform/schema.ts';

export const UserWire = z.object({
  object: z.literal('user'),
  id: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  name: z.string().nullable(),
  profile_picture_url: z.string().nullable(),
  last_sign_in_at: z.string().nullable(),
  locale: z.string().nullable(),
  external_id: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type UserWire = z.infer<typeof UserWire>;

export function userToWire(u: UserTable): UserWire {
  const name = [u.first_name, u.last_name].filter(Boolean).join(' ') || null;
  return {
    object: 'user',
    id: u.id,
    email: u.email,
    email_verified: u.email_verified === 1,
    first_name: u.first_name,
    last_name: u.last_name,
    name,
    profile_picture_url: u.profile_picture_url,
    last_sign_in_at: u.last_sign_in_at,
    locale: u.locale,
    external_id: u.external_id,
    metadata: parseJson(u.metadata, {}),
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

export const email = z
  .string()
  .trim()
  .max(320)
  .email('must be an email address such as ada@example.com')
  .transform((s) => s.toLowerCase());

const hashType = z.enum(['bcrypt', 'firebase-scrypt', 'ssha', 'scrypt', 'pbkdf2', 'argon2']);
const metadata = z
  .record(z.string().max(40), z.string().max(600).nullable())
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
  .optional();
const nameField = z.string().trim().max(255).nullable().optional();

export const CreateUserBody = z.object({
  email,
  password: z.string().optional(),
  password_hash: z.string().max(2048).optional(),
  password_hash_type: hashType.optional(),
  first_name: nameField,
  last_name: nameField,
  name: nameField,
  email_verified: z.boolean().optional(),
  external_id: z.string().min(1).max(128).nullable().optional(),
  metadata,
  ip_address: z.string().optional(),
  user_agent: z.string().optional(),
  signals_id: z.string().optional(),
});

export const UpdateUserBody = z.object({
  email: email.optional(),
  email_verified: z.boolean().optional(),
  first_name: nameField,
  last_name: nameField,
  name: nameField,
  password: z.string().optional(),
  password_hash: z.string().max(2048).optional(),
  password_hash_type: hashType.optional(),
  external_id: z.string().min(1).max(128).nullable().optional(),
  locale: z.string().max(35).nullable().optional(),
  metadata,
});
