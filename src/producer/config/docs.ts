import { CONFIG_DEFINITIONS } from './definitions.js'

export const TABLE_BEGIN =
  '<!-- BEGIN GENERATED CONFIG TABLE: renderConfigTable() in src/producer/config/docs.ts -->'
export const TABLE_END = '<!-- END GENERATED CONFIG TABLE -->'

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ')
}

/** The Markdown table of every setting in docs/CONFIGURATION.md, between TABLE_BEGIN and TABLE_END. */
export function renderConfigTable(): string {
  const rows = CONFIG_DEFINITIONS.map(
    (d) => `| \`${d.name}\` | \`${d.camel}\` | ${cell(d.defaultText)} | ${cell(d.doc)} | ${cell(d.valid)} |`,
  )
  return [
    TABLE_BEGIN,
    '| Setting | camelCase | Default | Meaning | Valid values |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    TABLE_END,
  ].join('\n')
}

/** `doc` with its generated table replaced by the current one (to regenerate the docs). */
export function replaceConfigTable(doc: string): string {
  const start = doc.indexOf(TABLE_BEGIN)
  const end = doc.indexOf(TABLE_END)
  if (start < 0 || end < start) throw new Error('the document has no generated config table markers')
  return doc.slice(0, start) + renderConfigTable() + doc.slice(end + TABLE_END.length)
}
