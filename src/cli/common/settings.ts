/**
 * Client settings from the command line, merged as Kafka's tools merge them: the config file
 * (--producer.config / --command-config), then the k=v properties over it, then dedicated flags
 * such as --bootstrap-server over both.
 */
import { ConfigError } from '../../errors.js'
import { loadPropertiesFile } from '../../producer/properties.js'
import { UsageError } from './usage.js'

/** `name=value` -> [name, value]: a non-empty name, then everything after the first '='. */
export function parseProp(prop: string, flag = '--producer-props'): [string, string] {
  const eq = prop.indexOf('=')
  if (eq <= 0 || eq === prop.length - 1) {
    throw new UsageError(`invalid property '${prop}': ${flag} expects PROP-NAME=PROP-VALUE`)
  }
  return [prop.slice(0, eq), prop.slice(eq + 1)]
}

/** Removes every spelling (Java and camelCase) of a setting; returns the last value found. */
export function take(settings: Record<string, string>, ...names: string[]): string | undefined {
  let found: string | undefined
  for (const name of names) {
    if (Object.hasOwn(settings, name)) {
      found = settings[name]
      delete settings[name]
    }
  }
  return found
}

/** A .properties file; a missing or malformed one is a UsageError naming `flag`. */
export async function readConfigFile(path: string, flag: string): Promise<Record<string, string>> {
  try {
    return await loadPropertiesFile(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'the file does not exist'
        : err instanceof ConfigError
          ? err.message
          : (err as Error).message
    throw new UsageError(`${flag} '${path}': ${why}`)
  }
}

export interface ClientSettingsInput {
  /** The config file and the flag that named it. */
  readonly file: { readonly path: string; readonly flag: string } | null
  /** k=v words, in order, and the flag that gave them. */
  readonly props: readonly string[]
  readonly propsFlag: string
  /** --bootstrap-server, over bootstrap.servers from the file and the props. */
  readonly bootstrapServer: string | null
}

export interface ClientSettings {
  /** Every setting but bootstrap.servers, under the names given. */
  readonly settings: Record<string, string>
  readonly bootstrapServers: string | null
}

export async function clientSettings(input: ClientSettingsInput): Promise<ClientSettings> {
  const settings: Record<string, string> = Object.create(null)
  if (input.file !== null) Object.assign(settings, await readConfigFile(input.file.path, input.file.flag))
  for (const word of input.props) {
    const [name, value] = parseProp(word, input.propsFlag)
    settings[name] = value
  }
  const bootstrap = take(settings, 'bootstrap.servers', 'bootstrapServers')
  const bootstrapServers = input.bootstrapServer ?? (bootstrap?.trim() ? bootstrap : null)
  return { settings: { ...settings }, bootstrapServers }
}
