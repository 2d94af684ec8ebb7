/**
 * A client for Confluent's Schema Registry REST API (v7), which Confluent's registry, Apicurio
 * Registry (/apis/ccompat/v7) and others speak. node:http / node:https with one keep-alive agent
 * per client (`close()` ends its connections), nothing else; `tls` takes a CA, a client
 * certificate for mutual TLS, or a server name to check.
 *
 * Registering, looking up and fetching by id are cached: a schema is registered (or looked up)
 * once per subject and a schema id fetched once, and concurrent callers of the same call share
 * one request. A failed call is not cached. Reads of subjects and versions are never cached.
 */
import { ConfigError } from '../errors.js'
import { Secret } from '../security/secret.js'
import { SchemaRegistryError } from './errors.js'
import { createAgent, type HttpSettings, type JsonRequest, requestJson } from './http.js'
import { resolveRegistryTls, type SchemaRegistryTls } from './tls.js'
import type {
  CompatibilityResult,
  RegisteredSchema,
  Schema,
  SchemaById,
  SchemaReference,
  SchemaType,
} from './types.js'

export type SchemaRegistryAuth =
  | { username: string; password: string | Secret }
  /** A bearer token, or a function asked for the current token before each request. */
  | { token: string | Secret | (() => string | Promise<string>) }

export interface SchemaRegistryOptions {
  /** The API's base URL, e.g. `http://localhost:8081` (Confluent) or `.../apis/ccompat/v7` (Apicurio). */
  url: string
  /** Basic or bearer authentication. User info in `url` (`http://user:pass@host`) means basic. */
  auth?: SchemaRegistryAuth
  /** Tries after the first for 5xx, 408, 429 and network failures. Default 3. */
  retries?: number
  /** First wait between tries, doubled each time. Default 100. */
  retryBackoffMs?: number
  /** Longest wait between tries. Default 2000. */
  retryBackoffMaxMs?: number
  /** One request's bound (an expired one counts as a network failure). Default 30000. */
  requestTimeoutMs?: number
  /** More headers on every request. */
  headers?: Record<string, string>
  /**
   * TLS for an https: URL: the CA to trust (`ca` / `caFile`), a client certificate for mutual TLS
   * (`cert` + `key`, or `certFile` + `keyFile`, with `passphrase` for an encrypted key),
   * `servername`, and `rejectUnauthorized` (default true). Without it, https: trusts Node's CAs.
   */
  tls?: SchemaRegistryTls
}

/** What each call may take besides its arguments. */
export interface CallOptions {
  signal?: AbortSignal
}

interface SchemaAnswer {
  subject?: string
  version?: number
  id?: number
  schema: string
  schemaType?: SchemaType
  references?: SchemaReference[]
}

function nonNegativeInt(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(option, `must be an integer >= 0, got ${value}`)
  return value
}

const enc = encodeURIComponent

function body(schema: Schema): Record<string, unknown> {
  if (typeof schema?.schema !== 'string') throw new TypeError('schema.schema must be a string')
  const out: Record<string, unknown> = { schema: schema.schema }
  // Confluent's registry takes no schemaType for Avro and writes none back.
  if (schema.schemaType !== undefined && schema.schemaType !== 'AVRO') out.schemaType = schema.schemaType
  if (schema.references !== undefined && schema.references.length > 0) out.references = schema.references
  return out
}

function cacheKey(subject: string, schema: Schema): string {
  return JSON.stringify([subject, schema.schemaType ?? 'AVRO', schema.schema, schema.references ?? []])
}

function registered(subject: string, a: SchemaAnswer): RegisteredSchema {
  return {
    subject: a.subject ?? subject,
    version: a.version ?? -1,
    id: a.id ?? -1,
    schema: a.schema,
    schemaType: a.schemaType ?? 'AVRO',
    references: a.references ?? [],
  }
}

export class SchemaRegistryClient {
  readonly #http: HttpSettings
  readonly #ids = new Map<string, Promise<number>>()
  /** The registrations under way, chained: see register(). */
  #registrations: Promise<void> = Promise.resolve()
  readonly #lookups = new Map<string, Promise<RegisteredSchema>>()
  readonly #byId = new Map<number, Promise<SchemaById>>()
  readonly #closing = new AbortController()

  constructor(options: SchemaRegistryOptions) {
    if (typeof options?.url !== 'string') throw new ConfigError('url', 'the registry URL is required')
    let url: URL
    try {
      url = new URL(options.url)
    } catch {
      throw new ConfigError('url', `not a URL: ${options.url}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError('url', `must be http: or https:, got ${url.protocol}`)
    }
    let auth = options.auth
    if (url.username !== '') {
      if (auth !== undefined) throw new ConfigError('auth', 'give credentials in url or in auth, not both')
      auth = {
        username: decodeURIComponent(url.username),
        password: new Secret(decodeURIComponent(url.password)),
      }
      url.username = ''
      url.password = ''
    }
    const headers = headerSource(auth, options.headers ?? {})
    const tls = resolveRegistryTls(options.tls, url.protocol)
    this.#http = {
      baseUrl: url.href.replace(/\/+$/, ''),
      retries: nonNegativeInt('retries', options.retries, 3),
      retryBackoffMs: nonNegativeInt('retryBackoffMs', options.retryBackoffMs, 100),
      retryBackoffMaxMs: nonNegativeInt('retryBackoffMaxMs', options.retryBackoffMaxMs, 2000),
      requestTimeoutMs: nonNegativeInt('requestTimeoutMs', options.requestTimeoutMs, 30_000),
      headers,
      agent: createAgent(url.protocol, tls),
      clientCertificate: tls.cert !== undefined,
      closed: this.#closing.signal,
    }
    if (this.#http.requestTimeoutMs === 0) throw new ConfigError('requestTimeoutMs', 'must be > 0')
  }

  /**
   * Closes the client's kept-alive connections. Calls still waiting, and any made later, reject
   * with a SchemaRegistryError (ERR_SCHEMA_REGISTRY, not retriable). Idle connections close on
   * their own after 30 s and do not keep the process alive, so a client used until exit need not
   * be closed. Safe to call twice.
   */
  close(): void {
    if (this.#closing.signal.aborted) return
    this.#closing.abort(
      new SchemaRegistryError(
        `the schema registry client for ${this.#http.baseUrl} is closed`,
        'ERR_SCHEMA_REGISTRY',
      ),
    )
    this.#http.agent.destroy()
  }

  /** The base URL requests go to (without credentials). */
  get url(): string {
    return this.#http.baseUrl
  }

  #request<T>(req: JsonRequest): Promise<T> {
    return requestJson<T>(this.#http, req)
  }

  /** Every subject (GET /subjects). */
  getSubjects(options: CallOptions = {}): Promise<string[]> {
    return this.#request({ method: 'GET', path: '/subjects', signal: options.signal })
  }

  /** A subject's versions, oldest first (GET /subjects/{subject}/versions). */
  getVersions(subject: string, options: CallOptions = {}): Promise<number[]> {
    return this.#request({
      method: 'GET',
      path: `/subjects/${enc(subject)}/versions`,
      signal: options.signal,
    })
  }

  /** One version of a subject (GET /subjects/{subject}/versions/{version}). */
  async getVersion(
    subject: string,
    version: number | 'latest',
    options: CallOptions = {},
  ): Promise<RegisteredSchema> {
    const a = await this.#request<SchemaAnswer>({
      method: 'GET',
      path: `/subjects/${enc(subject)}/versions/${version}`,
      signal: options.signal,
    })
    return registered(subject, a)
  }

  /** The newest version of a subject. */
  getLatest(subject: string, options: CallOptions = {}): Promise<RegisteredSchema> {
    return this.getVersion(subject, 'latest', options)
  }

  /**
   * Registers `schema` under `subject` (POST /subjects/{subject}/versions) and resolves with its
   * global id; the registry answers with the existing id when the schema is already there.
   * Cached per subject and schema.
   */
  register(subject: string, schema: Schema, options: CallOptions = {}): Promise<number> {
    const req = body(schema)
    const shared = cached(this.#ids, cacheKey(subject, schema), async () => {
      // One registration at a time per client: Apicurio Registry 2.4 answers first registrations
      // of different subjects made at the same moment with 409 "already exists" (about a third
      // of them, seen in tests), and a serializer of keys and one of values register together.
      // A subject is registered once, so the queue costs nothing once schemas are cached.
      const turn = this.#registrations.then(() =>
        this.#request<{ id: number }>({
          method: 'POST',
          path: `/subjects/${enc(subject)}/versions`,
          body: req,
        }),
      )
      this.#registrations = turn.then(
        () => {},
        () => {},
      )
      const a = await turn
      if (!Number.isInteger(a?.id))
        throw new SchemaRegistryError(
          `POST /subjects/${enc(subject)}/versions: no id in the answer`,
          'ERR_SCHEMA_REGISTRY',
        )
      return a.id
    })
    return untilAborted(shared, options.signal)
  }

  /**
   * Finds `schema` among `subject`'s versions (POST /subjects/{subject}): its id and version.
   * Fails with ERR_SUBJECT_NOT_FOUND or ERR_SCHEMA_NOT_FOUND. Cached per subject and schema.
   */
  lookup(subject: string, schema: Schema, options: CallOptions = {}): Promise<RegisteredSchema> {
    const req = body(schema)
    const shared = cached(this.#lookups, cacheKey(subject, schema), async () => {
      const a = await this.#request<SchemaAnswer>({
        method: 'POST',
        path: `/subjects/${enc(subject)}`,
        body: req,
      })
      return registered(subject, a)
    })
    return untilAborted(shared, options.signal)
  }

  /** The schema with global id `id` (GET /schemas/ids/{id}). Cached: an id never changes. */
  getById(id: number, options: CallOptions = {}): Promise<SchemaById> {
    if (!Number.isInteger(id) || id < 0) return Promise.reject(new RangeError(`bad schema id ${id}`))
    const shared = cached(this.#byId, id, async () => {
      const a = await this.#request<SchemaAnswer>({ method: 'GET', path: `/schemas/ids/${id}` })
      return { id, schema: a.schema, schemaType: a.schemaType ?? 'AVRO', references: a.references ?? [] }
    })
    return untilAborted(shared, options.signal)
  }

  /**
   * Whether `schema` may be registered under `subject` as its compatibility level says
   * (POST /compatibility/subjects/{subject}/versions/{version}, default the latest version).
   */
  async checkCompatibility(
    subject: string,
    schema: Schema,
    version: number | 'latest' = 'latest',
    options: CallOptions = {},
  ): Promise<CompatibilityResult> {
    const a = await this.#request<{ is_compatible: boolean; messages?: string[] }>({
      method: 'POST',
      path: `/compatibility/subjects/${enc(subject)}/versions/${version}?verbose=true`,
      body: body(schema),
      signal: options.signal,
    })
    return { compatible: a.is_compatible === true, messages: a.messages ?? [] }
  }

  /** Deletes a subject (DELETE /subjects/{subject}); resolves with the versions it had. */
  deleteSubject(subject: string, options: CallOptions & { permanent?: boolean } = {}): Promise<number[]> {
    return this.#request({
      method: 'DELETE',
      path: `/subjects/${enc(subject)}${options.permanent === true ? '?permanent=true' : ''}`,
      signal: options.signal,
    })
  }
}

/**
 * A shared request goes on when one caller gives up: an aborted signal only ends that caller's
 * wait, with the signal's reason.
 */
function untilAborted<V>(p: Promise<V>, signal: AbortSignal | undefined): Promise<V> {
  if (signal === undefined) return p
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}

function cached<K, V>(map: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  let p = map.get(key)
  if (p === undefined) {
    p = load()
    map.set(key, p)
    p.catch(() => {
      if (map.get(key) === p) map.delete(key)
    })
  }
  return p
}

function headerSource(
  auth: SchemaRegistryAuth | undefined,
  extra: Record<string, string>,
): () => Promise<Record<string, string>> {
  if (auth === undefined) return async () => ({ ...extra })
  if ('username' in auth) {
    if (typeof auth.username !== 'string' || auth.username === '' || auth.username.includes(':')) {
      throw new ConfigError('auth.username', 'must be a non-empty string without ":"')
    }
    const password = typeof auth.password === 'string' ? new Secret(auth.password) : auth.password
    if (!(password instanceof Secret)) throw new ConfigError('auth.password', 'must be a string or a Secret')
    const username = auth.username
    return async () => ({
      ...extra,
      authorization: `Basic ${Buffer.from(`${username}:${password.reveal()}`).toString('base64')}`,
    })
  }
  const token = auth.token
  if (typeof token === 'function') {
    return async () => {
      const t = await token()
      if (typeof t !== 'string' || t === '')
        throw new ConfigError('auth.token', 'the token function gave no token')
      return { ...extra, authorization: `Bearer ${t}` }
    }
  }
  const secret = typeof token === 'string' ? new Secret(token) : token
  if (!(secret instanceof Secret) || secret.isEmpty)
    throw new ConfigError('auth.token', 'must be a non-empty string, a Secret or a function')
  return async () => ({ ...extra, authorization: `Bearer ${secret.reveal()}` })
}
